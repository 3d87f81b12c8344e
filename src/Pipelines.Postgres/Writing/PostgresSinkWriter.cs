using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Pipelines.Postgres.Writing;

/// <summary>
/// One run of a <see cref="PostgresSink{T}"/>. Writes turn elements into rows (checking each value against its
/// column, so a value that cannot fit is reported on its element) and keep them; a batch goes to the server in one
/// transaction when it is full, when it is older than the flush interval, at a checkpoint and at the end. Appends go
/// through binary COPY into the table; upserts keep the last row per key, COPY them into a temporary staging table and
/// merge with <c>INSERT … ON CONFLICT DO UPDATE</c>, and deletes remove their keys the same way. When the server
/// refuses a batch because of a row (a constraint, a value out of range), the batch is written again row by row
/// under savepoints to find the refused ones. With an exactly-once id in a run that stores checkpoints
/// (<see cref="RecoverAsync"/> is called), rows go to a <see cref="CheckpointStaging"/> instead and reach the table
/// when their checkpoint is stored.
/// </summary>
internal sealed class PostgresSinkWriter<T> : SinkWriter<T>
{
    private const string Stage = "pipelines_stage";
    private const string StageKeys = "pipelines_stage_keys";
    private readonly PostgresSink<T> _sink;
    private readonly PostgresSinkOptions _options;
    private readonly TimeProvider _time;
    private readonly NpgsqlConnection _connection;
    private readonly List<PendingRow> _appends = [];
    private readonly Dictionary<RowKey, PendingRow> _upserts = [];
    private readonly KeyValuePair<string, object?> _sinkTag;
    private TableColumn[] _columns = [];
    private Func<object, object?>[] _getters = [];
    private int[] _keys = [];
    private bool[] _isKey = [];
    private string _table = "";
    private string _columnList = "";
    private string _upsertSql = "";
    private string _deleteSql = "";
    private WriteSequence? _committed;
    private WriteSequence? _pendingMax;
    private long _firstBuffered;
    private CheckpointStaging? _staging;

    public PostgresSinkWriter(PostgresSink<T> sink)
    {
        _sink = sink;
        _options = sink.Options;
        _time = _options.TimeProvider ?? TimeProvider.System;
        _connection = new NpgsqlConnection(sink.ConnectionString);
        _sinkTag = new("sink", sink.Name);
    }

    private int Buffered => _appends.Count + _upserts.Count;

    private bool Upsert => _sink.KeyColumns.Count > 0;

    /// <summary>Exactly once through checkpoint ids: rows are staged per checkpoint and committed when it is stored.</summary>
    private bool Staged => _staging is not null;

    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var (quoted, columns, uniqueKeys) = await TableColumn.LoadAsync(_connection, _sink.Table, _sink.Name, cancellationToken).ConfigureAwait(false);
        _table = quoted;
        var getters = _sink.Shape.Getters(columns.Select(c => c.Name).ToArray());
        var written = new List<int>();
        for (int i = 0; i < columns.Length; i++)
        {
            if (getters[i] is not null) written.Add(i);
            else if (columns[i].NotNull && !columns[i].HasDefault)
            {
                throw new ArgumentException($"Sink '{_sink.Name}': column {columns[i].Name} of {_sink.Table} is NOT NULL without a default, and {RowTypeName} has no member for it.");
            }
        }

        if (written.Count == 0) throw new ArgumentException($"Sink '{_sink.Name}': {RowTypeName} has no member that matches a column of {_sink.Table} (members match columns by name, ignoring case and underscores).");
        _columns = [.. written.Select(i => columns[i])];
        _getters = [.. written.Select(i => getters[i]!)];
        _columnList = string.Join(", ", _columns.Select(c => Sql.Quote(c.Name)));
        if (Upsert) await PrepareUpsertAsync(uniqueKeys, cancellationToken).ConfigureAwait(false);
        if (_options.ExactlyOnceId is not null) _committed = await ReadCommittedAsync(cancellationToken).ConfigureAwait(false);
    }

    private string RowTypeName => _sink.RowType.Name;

    private async Task PrepareUpsertAsync(string[][] uniqueKeys, CancellationToken cancellationToken)
    {
        var keys = new List<int>();
        foreach (string key in _sink.KeyColumns)
        {
            int i = Array.FindIndex(_columns, c => c.Name == key);
            if (i < 0) throw new ArgumentException($"Sink '{_sink.Name}': key column '{key}' is not a column of {_sink.Table} that {RowTypeName} provides.");
            keys.Add(i);
        }

        var sorted = _sink.KeyColumns.Order(StringComparer.Ordinal).ToArray();
        if (!uniqueKeys.Any(u => u.SequenceEqual(sorted)))
        {
            throw new ArgumentException(
                $"Sink '{_sink.Name}': {_sink.Table} has no primary key or unique index on ({string.Join(", ", _sink.KeyColumns)}), which an upsert needs " +
                $"(INSERT … ON CONFLICT); add one: ALTER TABLE {_sink.Table} ADD PRIMARY KEY ({string.Join(", ", _sink.KeyColumns)}).");
        }

        _keys = [.. keys];
        _isKey = [.. _columns.Select((_, i) => keys.Contains(i))];
        string keyList = string.Join(", ", _keys.Select(i => Sql.Quote(_columns[i].Name)));
        var updates = _columns.Where((_, i) => !_isKey[i]).Select(c => $"{Sql.Quote(c.Name)} = EXCLUDED.{Sql.Quote(c.Name)}").ToArray();
        _upsertSql = $"INSERT INTO {_table} ({_columnList}) SELECT {_columnList} FROM {Stage} ON CONFLICT ({keyList}) " +
            (updates.Length == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates));
        _deleteSql = $"DELETE FROM {_table} t USING {StageKeys} d WHERE " + string.Join(" AND ", _keys.Select(i => $"t.{Sql.Quote(_columns[i].Name)} = d.{Sql.Quote(_columns[i].Name)}"));
        await ExecuteAsync(
            $"CREATE TEMP TABLE {Stage} ON COMMIT DELETE ROWS AS SELECT {_columnList} FROM {_table} WITH NO DATA; " +
            $"CREATE TEMP TABLE {StageKeys} ON COMMIT DELETE ROWS AS SELECT {keyList} FROM {_table} WITH NO DATA", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A run that stores checkpoints starts: with an exactly-once id, rows are staged per checkpoint from now on.</summary>
    public override async ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken)
    {
        if (_options.ExactlyOnceId is null) return;
        string tail = Upsert ? _upsertSql[_upsertSql.IndexOf(" ON CONFLICT", StringComparison.Ordinal)..] : "";
        var staging = new CheckpointStaging(_sink.ConnectionString, _sink.Name, _table, _sink.Table, _columns, _keys, tail, _options);
        staging.Applied += n =>
        {
            _sink.CountWritten(n);
            PostgresMetrics.RowsWritten.Add(n, _sinkTag);
        };
        staging.Rejected += n =>
        {
            _sink.CountRejected(n);
            PostgresMetrics.RowsRejected.Add(n, _sinkTag);
        };
        _staging = staging;
        await staging.RecoverAsync(restoredCheckpointId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>With checkpoint staging: what was written since the last checkpoint is staged under <paramref name="checkpointId"/>.</summary>
    public override async ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
    {
        if (_staging is null)
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await StageBufferedAsync(checkpointId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>With checkpoint staging: checkpoint <paramref name="checkpointId"/> is stored, so its rows go to the table.</summary>
    public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken) =>
        _staging is null ? default : _staging.CommitAsync(checkpointId, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
    {
        int next = Buffer(items.Span, 0);
        if (next < items.Length || Due) return WriteWithFlushesAsync(items, next, cancellationToken);
        return default;
    }

    private bool Due => Buffered >= _options.BatchSize || (!Staged && Buffered > 0 && _time.GetElapsedTime(_firstBuffered) >= _options.FlushInterval);

    /// <summary>Flushes whenever the batch is full, between the elements of one write.</summary>
    private async ValueTask WriteWithFlushesAsync(ReadOnlyMemory<T> items, int next, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Due) await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            if (next >= items.Length) return;
            next = Buffer(items.Span, next);
        }
    }

    /// <summary>Keeps elements from <paramref name="from"/> on until the batch is full; returns the index of the first element not kept.</summary>
    private int Buffer(ReadOnlySpan<T> span, int from)
    {
        if (_options.ExactlyOnceId is not null && !Staged && _sink.Sequence is null)
        {
            throw new InvalidOperationException(
                $"Sink '{_sink.Name}' has an ExactlyOnceId but this run stores no checkpoints and the sink has no sequence per element: give the run a " +
                "StreamingOptions.CheckpointStorage (rows are then committed with the checkpoint ids), or give the sink a sequence (its highest written one is recorded).");
        }

        bool sequenced = _sink.Sequence is not null && !Staged;
        long skipped = 0;
        int i = from;
        try
        {
            for (; i < span.Length && Buffered < _options.BatchSize; i++)
            {
                var element = span[i];
                WriteSequence sequence = default;
                PendingRow row;
                PendingRow? moved;
                try
                {
                    if (sequenced)
                    {
                        sequence = _sink.Sequence!(element);
                        if (_committed is { } committed && sequence <= committed)
                        {
                            skipped++;
                            continue;
                        }
                    }

                    (row, moved) = Extract(element);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new SinkElementException(i, element, ex);
                }

                if (sequenced && (_pendingMax is not { } max || sequence > max)) _pendingMax = sequence;
                if (Buffered == 0) _firstBuffered = _time.GetTimestamp();
                if (!Upsert) _appends.Add(row);
                else
                {
                    // An update that changed the key: the old key goes first, so a later change of it in the batch still wins.
                    if (moved is { } old) _upserts[new RowKey(old.Values, _keys)] = old;
                    _upserts[new RowKey(row.Values, _keys)] = row;
                }
            }
        }
        finally
        {
            if (skipped > 0)
            {
                _sink.CountAlreadyCommitted(skipped);
                PostgresMetrics.RowsAlreadyCommitted.Add(skipped, _sinkTag);
            }
        }

        return i;
    }

    public override ValueTask FlushAsync(CancellationToken cancellationToken) => _staging is null ? FlushCoreAsync(cancellationToken) : default;

    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_staging is null)
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // No checkpoint follows the end of input: what this writer staged goes to the table now.
        await StageBufferedAsync(null, cancellationToken).ConfigureAwait(false);
        await _staging.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stages the kept rows (in the order they came; for an upsert the last of each key), tagged with <paramref name="checkpoint"/> or untagged.</summary>
    private async ValueTask StageBufferedAsync(long? checkpoint, CancellationToken cancellationToken)
    {
        var rows = (Upsert ? _upserts.Values : (IEnumerable<PendingRow>)_appends).Select(r => (r.Values, r.Delete)).ToList();
        await _staging!.StageAsync(_connection, rows, checkpoint, cancellationToken).ConfigureAwait(false);
        _appends.Clear();
        _upserts.Clear();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_staging is not null) await _staging.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The row an element writes: every written column's value, checked against the column (deletes: the key only);
    /// and, for an upsert that moves a row to another key, the delete of the old key.
    /// </summary>
    private (PendingRow Row, PendingRow? Moved) Extract(T element)
    {
        bool delete = _sink.Shape.IsDelete(element);
        object row = _sink.Shape.Row(element)
            ?? throw new PostgresMappingException(_sink.Table, "?", null, $"the {(delete ? "delete" : "change")} carries no row to write.");
        var pending = new PendingRow(Values(row, delete), delete, element);
        if (delete || !Upsert || _sink.Shape.OldKeyRow(element) is not { } oldRow) return (pending, null);
        var old = new PendingRow(Values(oldRow, delete: true), true, element);
        return new RowKey(old.Values, _keys).Equals(new RowKey(pending.Values, _keys)) ? (pending, null) : (pending, old);
    }

    private object?[] Values(object row, bool delete)
    {
        var values = new object?[_columns.Length];
        for (int c = 0; c < values.Length; c++)
        {
            if (delete && !_isKey[c]) continue;
            var column = _columns[c];
            object? raw = _getters[c](row);
            if (raw is Missing) throw new PostgresMappingException(_sink.Table, Key(row), column.Name, "the row has no value for this column.");
            if (raw is null)
            {
                if (column.NotNull) throw new PostgresMappingException(_sink.Table, Key(row), column.Name, "the value is null but the column is NOT NULL.");
                continue;
            }

            try
            {
                values[c] = ColumnCoercion.Coerce(raw, column);
            }
            catch (InvalidCastException ex)
            {
                throw new PostgresMappingException(_sink.Table, Key(row), column.Name, ex.Message, ex);
            }
        }

        return values;
    }

    private string Key(object row)
    {
        var indexes = _keys.Length > 0 ? _keys : [0];
        return string.Join(", ", indexes.Select(i =>
        {
            object? v;
            try
            {
                v = _getters[i](row);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                v = "?";
            }

            return $"{_columns[i].Name}={(v is Missing ? "?" : ValueConversion.Describe(v))}";
        }));
    }

    private string Key(PendingRow row)
    {
        var indexes = _keys.Length > 0 ? _keys : [0];
        return string.Join(", ", indexes.Select(i => $"{_columns[i].Name}={ValueConversion.Describe(row.Values[i])}"));
    }

    private async ValueTask FlushCoreAsync(CancellationToken cancellationToken)
    {
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
            await CopyAsync($"COPY {_table} ({_columnList}) FROM STDIN (FORMAT BINARY)", rows, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var upserts = rows.Where(r => !r.Delete).ToArray();
            var deletes = rows.Where(r => r.Delete).ToArray();
            if (upserts.Length > 0)
            {
                await CopyAsync($"COPY {Stage} ({_columnList}) FROM STDIN (FORMAT BINARY)", upserts, null, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(_upsertSql, cancellationToken).ConfigureAwait(false);
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
                else await importer.WriteAsync(value, _columns[c].TypeName, cancellationToken).ConfigureAwait(false);
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
        var indexes = row.Delete ? _keys : [.. Enumerable.Range(0, _columns.Length)];
        foreach (int i in indexes)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = row.Values[i] ?? DBNull.Value, DataTypeName = _columns[i].TypeName });
        }

        string placeholders = string.Join(", ", indexes.Select((_, n) => "$" + (n + 1)));
        if (row.Delete)
        {
            command.CommandText = $"DELETE FROM {_table} WHERE " + string.Join(" AND ", _keys.Select((i, n) => $"{Sql.Quote(_columns[i].Name)} = ${n + 1}"));
        }
        else if (!Upsert)
        {
            command.CommandText = $"INSERT INTO {_table} ({_columnList}) VALUES ({placeholders})";
        }
        else
        {
            command.CommandText = $"INSERT INTO {_table} ({_columnList}) VALUES ({placeholders})" + _upsertSql[_upsertSql.IndexOf(" ON CONFLICT", StringComparison.Ordinal)..];
        }

        return command;
    }

    private async Task<WriteSequence?> ReadCommittedAsync(CancellationToken cancellationToken)
    {
        string table = Sql.QuoteTable(_options.CommitTable);
        await ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {table} (sink_id text PRIMARY KEY, major bigint, minor bigint, checkpoint_id bigint, committed_at timestamptz NOT NULL DEFAULT now())",
            cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT major, minor FROM {table} WHERE sink_id = @id", _connection);
        command.Parameters.AddWithValue("id", _options.ExactlyOnceId!);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0) ? new WriteSequence(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    private async Task RecordCommitAsync(CancellationToken cancellationToken)
    {
        if (_options.ExactlyOnceId is null || _pendingMax is not { } max) return;
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {Sql.QuoteTable(_options.CommitTable)} (sink_id, major, minor, committed_at) VALUES (@id, @major, @minor, now()) " +
            "ON CONFLICT (sink_id) DO UPDATE SET major = EXCLUDED.major, minor = EXCLUDED.minor, committed_at = EXCLUDED.committed_at", _connection);
        command.Parameters.AddWithValue("id", _options.ExactlyOnceId);
        command.Parameters.AddWithValue("major", max.Major);
        command.Parameters.AddWithValue("minor", max.Minor);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Data exceptions (class 22) and integrity constraint violations (class 23): the row's fault, not the connection's.</summary>
    private static bool IsRowError(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    private readonly record struct PendingRow(object?[] Values, bool Delete, T Element);

    /// <summary>The key values of a row, compared by value.</summary>
    private readonly struct RowKey : IEquatable<RowKey>
    {
        private readonly object?[] _values;
        private readonly int[] _keys;
        private readonly int _hash;

        public RowKey(object?[] values, int[] keys)
        {
            _values = values;
            _keys = keys;
            var hash = new HashCode();
            foreach (int k in keys) hash.Add(values[k]);
            _hash = hash.ToHashCode();
        }

        public bool Equals(RowKey other)
        {
            foreach (int k in _keys)
            {
                if (!Equals(_values[k], other._values[k])) return false;
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is RowKey other && Equals(other);

        public override int GetHashCode() => _hash;
    }
}
