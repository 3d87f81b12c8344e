using System.Collections.Concurrent;
using System.Data;
using Npgsql;
using Npgsql.PostgresTypes;

namespace Pipelines.Postgres.Query;

/// <summary>
/// Reads a query through a cursor in a read-only transaction: each wait fetches the next <c>fetchSize</c> rows and
/// maps them; reads hand them out. The transaction ends with the reader.
/// </summary>
internal sealed class QueryReader<T>(string connectionString, int fetchSize, string name, SourceContext context) : SourceReader<T>
{
    private readonly NpgsqlConnection _connection = new(connectionString);
    private readonly Queue<T> _rows = new();
    private string[]? _columns;

    /// <summary>The query's columns that are read (<see cref="_columns"/> names them), by ordinal.</summary>
    private int[] _ordinals = [];
    private bool _done;
    private long _rowNumber;

    public async ValueTask StartAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await LoadNewTypesAsync(sql, parameters, cancellationToken).ConfigureAwait(false);
        await using (var begin = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", _connection))
        {
            await begin.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var declare = new NpgsqlCommand($"DECLARE pipelines_query NO SCROLL CURSOR FOR {sql}", _connection);
        foreach (var (key, value) in parameters) declare.Parameters.AddWithValue(key, value ?? DBNull.Value);
        try
        {
            await declare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException($"Source '{name}': the query failed: {ex.MessageText} (SQLSTATE {ex.SqlState}). Query: {sql}", ex);
        }
    }

    /// <summary>The types (by connection string and OID) the types were loaded again for: one Npgsql still does not know after that (a table's row type, which it loads only with <c>Load Table Composites</c>) is not loaded for again.</summary>
    private static readonly ConcurrentDictionary<(string ConnectionString, uint Oid), byte> Reloaded = new();

    /// <summary>
    /// Npgsql loads a database's types once per process, at its first connection: a column of a type created after
    /// that (an enum or a composite type a migration added while the service ran) is unreadable. The query is described
    /// first (not run), and when a column the mapping needs has a type the connection does not know, and has not
    /// loaded the types for before, the types are loaded again.
    /// </summary>
    private async Task LoadNewTypesAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        List<uint> unknown;
        await using (var describe = new NpgsqlCommand(sql, _connection))
        {
            foreach (var (key, value) in parameters) describe.Parameters.AddWithValue(key, value ?? DBNull.Value);
            try
            {
                await using var reader = await describe.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken).ConfigureAwait(false);
                var mapper = RowMapper<T>.Instance;
                unknown = [.. Enumerable.Range(0, reader.FieldCount)
                    .Where(i => reader.GetPostgresType(i) is UnknownBackendType && mapper.Needs(reader.GetName(i)))
                    .Select(reader.GetDataTypeOID)
                    .Where(oid => !Reloaded.ContainsKey((connectionString, oid)))];
            }
            catch (PostgresException)
            {
                return; // the query itself is wrong: its declaration reports it
            }
        }

        if (unknown.Count == 0) return;
        await _connection.ReloadTypesAsync(cancellationToken).ConfigureAwait(false);
        foreach (uint oid in unknown) Reloaded.TryAdd((connectionString, oid), 0);
    }

    public override int TryRead(Span<T> destination)
    {
        int n = 0;
        while (n < destination.Length && _rows.TryDequeue(out var row)) destination[n++] = row;
        return n;
    }

    public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (_rows.Count == 0)
        {
            if (_done) return false;
            await FetchAsync(cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task FetchAsync(CancellationToken cancellationToken)
    {
        int fetched = 0;
        var mapper = RowMapper<T>.Instance;
        await using (var fetch = new NpgsqlCommand($"FETCH {fetchSize} FROM pipelines_query", _connection))
        await using (var reader = await fetch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_columns is null)
            {
                // Only the columns the mapping needs are read: one nothing maps costs no decoding, and no error when Npgsql cannot read it.
                _ordinals = [.. Enumerable.Range(0, reader.FieldCount).Where(i => mapper.Needs(reader.GetName(i)))];
                _columns = [.. _ordinals.Select(reader.GetName)];
            }

            var ordinals = _ordinals;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                fetched++;
                _rowNumber++;
                var values = new object?[ordinals.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    int o = ordinals[i];
                    values[i] = reader.IsDBNull(o) ? null : UnreadableValue.ReadOrMark(reader, o, NumericValues.Read, static column => $"cast the column in the query ({column}::text) to read it as a string");
                }

                var row = new PostgresRow(name, _columns, values, true);
                try
                {
                    _rows.Enqueue(mapper.Map(row, null));
                }
                catch (PostgresMappingException ex)
                {
                    context.ReportBadRecord(row, new PostgresMappingException(ex.Table, $"#{_rowNumber} ({ex.Key})", ex.Column, ex.Reason, ex.InnerException));
                }
            }
        }

        if (fetched < fetchSize) _done = true;
    }

    public override async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
