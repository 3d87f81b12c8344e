using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Pipelines.Postgres.Writing;

// At least once (the default): a batch goes to the table in one transaction — binary COPY for appends, COPY into the
// staging tables then INSERT … ON CONFLICT / DELETE for upserts — and, when the server refuses it because of a row,
// again row by row under savepoints to find the refused ones.
internal sealed partial class PostgresSinkWriter<T>
{
    private async ValueTask FlushCoreAsync(CancellationToken cancellationToken)
    {
        _flushFirst = false;
        if (_staging is not null)
        {
            // A full batch between checkpoints: staged untagged, out of memory, until the next pre-commit tags it.
            if (Buffered > 0) await StageBufferedAsync(null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Buffered == 0 && _pendingMax is null) return;
        var rows = Upsert ? [.. _upserts.Values] : _appends.ToArray();
        int written;
        try
        {
            await WriteBatchAsync(rows, cancellationToken).ConfigureAwait(false);
            written = rows.Length;
        }
        catch (PostgresException ex) when (IsRowError(ex))
        {
            written = await WriteRowByRowAsync(rows, cancellationToken).ConfigureAwait(false);
        }

        _appends.Clear();
        _upserts.Clear();
        if (_pendingMax is not null) _committed = _pendingMax;
        _pendingMax = null;
        _sink.CountWritten(written);
        PostgresMetrics.RowsWritten.Add(written, _sinkTag);
    }

    private async Task WriteBatchAsync(PendingRow[] rows, CancellationToken cancellationToken)
    {
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!Upsert)
        {
            // Runs of rows that write the same columns, in order (rows that leave columns out get the defaults).
            for (int start = 0, end; start < rows.Length; start = end)
            {
                var written = rows[start].Written;
                for (end = start + 1; end < rows.Length && rows[end].Written == written; end++) { }
                await CopyAsync($"COPY {_table} ({SqlFor(written).ColumnList}) FROM STDIN (FORMAT BINARY)", rows[start..end], written, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var deletes = rows.Where(r => r.Delete).ToArray();
            bool staged = false;
            foreach (var group in rows.Where(r => !r.Delete).GroupBy(r => r.Written, ReferenceEqualityComparer.Instance))
            {
                // One key per row in the batch, so the groups' order does not matter; the stage is emptied between them.
                var (columnList, upsertSql) = SqlFor((int[]?)group.Key);
                if (staged) await ExecuteAsync($"DELETE FROM {Stage}", cancellationToken).ConfigureAwait(false);
                await CopyAsync($"COPY {Stage} ({columnList}) FROM STDIN (FORMAT BINARY)", [.. group], (int[]?)group.Key, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(upsertSql, cancellationToken).ConfigureAwait(false);
                staged = true;
            }

            if (deletes.Length > 0)
            {
                string keyList = string.Join(", ", _keys.Select(i => Sql.Quote(_columns[i].Name)));
                await CopyAsync($"COPY {StageKeys} ({keyList}) FROM STDIN (FORMAT BINARY)", deletes, _keys, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(_deleteSql, cancellationToken).ConfigureAwait(false);
            }
        }

        await RecordCommitAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyAsync(string copy, PendingRow[] rows, int[]? only, CancellationToken cancellationToken)
    {
        await using var importer = await _connection.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        var columns = only ?? [.. Enumerable.Range(0, _columns.Length)];
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            foreach (int c in columns)
            {
                object? value = row.Values[c];
                if (value is null) await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                else await importer.WriteAsync(value, _columns[c].CopyTypeName, cancellationToken).ConfigureAwait(false);
            }
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The slow path after the server refused a batch: every row on its own under a savepoint. Returns how many were written.</summary>
    private async Task<int> WriteRowByRowAsync(PendingRow[] rows, CancellationToken cancellationToken)
    {
        var rejected = new List<(PendingRow Row, PostgresException Error)>();
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await transaction.SaveAsync("pipelines_row", cancellationToken).ConfigureAwait(false);
            try
            {
                await using var command = RowCommand(row);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.ReleaseAsync("pipelines_row", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (IsRowError(ex))
            {
                await transaction.RollbackAsync("pipelines_row", cancellationToken).ConfigureAwait(false);
                rejected.Add((row, ex));
            }
        }

        if (rejected.Count > 0 && _options.RejectedRows == RejectedRowPolicy.Fail)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            var (row, error) = rejected[0];
            throw Rejection(row, error, "Choose RejectedRows = Skip in the sink's options to write the other rows and log this one.");
        }

        await RecordCommitAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var logger = _options.Logger ?? NullLogger.Instance;
        foreach (var (row, error) in rejected)
        {
            PostgresLog.RowRejected(logger, _sink.Name, Rejection(row, error, "").Message);
        }

        _sink.CountRejected(rejected.Count);
        PostgresMetrics.RowsRejected.Add(rejected.Count, _sinkTag);
        return rows.Length - rejected.Count;
    }

    private PostgresMappingException Rejection(PendingRow row, PostgresException error, string advice)
    {
        string what = error.ConstraintName is { } constraint ? $" (constraint {constraint})" : "";
        return new PostgresMappingException(_sink.Table, Key(row), error.ColumnName,
            $"the server refused the row: {error.MessageText}{what}, SQLSTATE {error.SqlState}. {advice}".TrimEnd(), error);
    }

    private NpgsqlCommand RowCommand(PendingRow row)
    {
        var command = new NpgsqlCommand { Connection = _connection };
        var indexes = row.Delete ? _keys : row.Written ?? WrittenColumns.All(_columns);
        foreach (int i in indexes)
        {
            command.Parameters.Add(_columns[i].Parameter(row.Values[i]));
        }

        string placeholders = string.Join(", ", indexes.Select((_, n) => "$" + (n + 1)));
        if (row.Delete)
        {
            command.CommandText = $"DELETE FROM {_table} WHERE " + string.Join(" AND ", _keys.Select((i, n) => $"{Sql.Quote(_columns[i].Name)} = ${n + 1}"));
        }
        else
        {
            command.CommandText = $"INSERT INTO {_table} ({SqlFor(row.Written).ColumnList}) VALUES ({placeholders})"
                + (Upsert ? WrittenColumns.ConflictClause(_columns, _keys, indexes) : "");
        }

        return command;
    }

    /// <summary>Data exceptions (class 22) and integrity constraint violations (class 23): the row's fault, not the connection's.</summary>
    private static bool IsRowError(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);
}
