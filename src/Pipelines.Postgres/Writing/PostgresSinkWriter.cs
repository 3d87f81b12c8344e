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
/// when their checkpoint is stored. Each mode has a file of its own: <c>PostgresSinkWriter.Batches.cs</c> (at least
/// once), <c>.SequenceCommits.cs</c> (exactly once by element sequence), <c>.CheckpointCommits.cs</c> (exactly once by
/// checkpoint id); <c>.Rows.cs</c> turns elements into rows.
/// </summary>
internal sealed partial class PostgresSinkWriter<T> : SinkWriter<T>
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
    private readonly List<int[]> _shapes = [];
    private readonly Dictionary<int[], (string ColumnList, string UpsertSql)> _shapeSql = new(ReferenceEqualityComparer.Instance);
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
        var (quoted, columns, uniqueKeys) = await TableColumn.LoadAsync(_connection, _sink.ConnectionString, _sink.Table, _sink.Name, cancellationToken).ConfigureAwait(false);
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
        string keyList = WrittenColumns.List(_columns, _keys);
        _upsertSql = UpsertSql(_columnList, WrittenColumns.All(_columns));
        _deleteSql = $"DELETE FROM {_table} t USING {StageKeys} d WHERE " + string.Join(" AND ", _keys.Select(i => $"t.{Sql.Quote(_columns[i].Name)} = d.{Sql.Quote(_columns[i].Name)}"));
        await ExecuteAsync(
            $"CREATE TEMP TABLE {Stage} ON COMMIT DELETE ROWS AS SELECT {_columnList} FROM {_table} WITH NO DATA; " +
            $"CREATE TEMP TABLE {StageKeys} ON COMMIT DELETE ROWS AS SELECT {keyList} FROM {_table} WITH NO DATA", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The upsert from the stage of rows that write <paramref name="written"/> (listed in <paramref name="columnList"/>).</summary>
    private string UpsertSql(string columnList, int[] written) =>
        $"INSERT INTO {_table} ({columnList}) SELECT {columnList} FROM {Stage}" + WrittenColumns.ConflictClause(_columns, _keys, written);

    /// <summary>The column list and upsert of rows that write <paramref name="written"/> (null: every column).</summary>
    private (string ColumnList, string UpsertSql) SqlFor(int[]? written)
    {
        if (written is null) return (_columnList, _upsertSql);
        if (!_shapeSql.TryGetValue(written, out var sql))
        {
            string list = WrittenColumns.List(_columns, written);
            _shapeSql[written] = sql = (list, Upsert ? UpsertSql(list, written) : "");
        }

        return sql;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
    {
        int next = Buffer(items.Span, 0);
        if (next < items.Length || Due) return WriteWithFlushesAsync(items, next, cancellationToken);
        return default;
    }

    private bool Due => _flushFirst || Buffered >= _options.BatchSize || (!Staged && Buffered > 0 && _time.GetElapsedTime(_firstBuffered) >= _options.FlushInterval);

    /// <summary>The next element can only be kept once the rows kept so far are written (<see cref="Keeps"/>).</summary>
    private bool _flushFirst;

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

                if (Upsert && !Keeps(row))
                {
                    _flushFirst = true;
                    return i;
                }

                if (sequenced && (_pendingMax is not { } max || sequence > max)) _pendingMax = sequence;
                if (Buffered == 0) _firstBuffered = _time.GetTimestamp();
                if (!Upsert) _appends.Add(row);
                else
                {
                    // An update that changed the key: the old key goes first, so a later change of it in the batch still wins.
                    if (moved is { } old) _upserts[new RowKey(old.Values, _keys)] = old;
                    var key = new RowKey(row.Values, _keys);
                    _upserts[key] = row.Written is not null && _upserts.TryGetValue(key, out var earlier) ? Merged(earlier, row) : row;
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

    public override async ValueTask DisposeAsync()
    {
        if (_staging is not null) await _staging.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

}
