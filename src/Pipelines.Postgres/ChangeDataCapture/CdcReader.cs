using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// One run of a change-data-capture source. A task reads the replication stream (after the initial snapshot, if
/// any), turns each change into a <see cref="ChangeRecord{T}"/> and puts it in a bounded channel; the executor's
/// reads take from the channel, and the position they leave behind is the commit LSN of the transaction being
/// read and how many of its changes were taken. <see cref="CommitAsync(PostgresCdcPosition, CancellationToken)"/>
/// confirms the LSN to the server, which may then release the WAL before it.
/// </summary>
internal sealed class CdcReader<T> : SourceReader<ChangeRecord<T>, PostgresCdcPosition>, IRetainedWal
{
    private const int SnapshotFetch = 4096;
    private readonly PostgresCdcOptions _options;
    private readonly string _name;
    private readonly SourceContext _context;
    private readonly ILogger _logger;
    private readonly Channel<CdcEntry<T>> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<uint, RelationInfo> _relations = [];
    private readonly KeyValuePair<string, object?> _sourceTag;
    private LogicalReplicationConnection? _replication;
    private NpgsqlConnection? _snapshot;
    private PgOutputReplicationSlot? _slot;
    private Task _pump = Task.CompletedTask;
    private (string Name, string Quoted)[] _tables = [];
    private bool _createdSlotForSnapshot;

    // Where the reads have got to (touched only by the reading task).
    private ulong _lsn;
    private long _skip;
    private bool _snapshotDone;
    private long _maxTicks = long.MinValue;
    private long _lastWatermark = long.MinValue;

    // Where a resumed stream starts: the changes of the transaction committing at _resumeLsn up to _resumeSkip were read before.
    private ulong _resumeLsn;
    private long _resumeSkip;

    // Retained WAL, as the monitor last measured it.
    private long _retained;
    private Task _monitor = Task.CompletedTask;
    private bool _lagWarned;

    public CdcReader(PostgresCdcOptions options, string name, SourceContext context)
    {
        _options = options;
        _name = name;
        _context = context;
        _logger = options.Logger ?? NullLogger.Instance;
        _sourceTag = new("source", name);
        _channel = Channel.CreateBounded<CdcEntry<T>>(new BoundedChannelOptions(options.BufferSize) { SingleReader = true, SingleWriter = true });
    }

    public string Slot => _options.Slot;

    public long RetainedWalBytes => Volatile.Read(ref _retained);

    public override bool ProvidesTimestamps => true;

    /// <summary>Sets up publication and slot, imports the snapshot if one is due, and starts the replication task.</summary>
    public async ValueTask StartAsync(PostgresCdcPosition? position, CancellationToken cancellationToken)
    {
        ulong? confirmedFlush;
        await using (var setup = new NpgsqlConnection(_options.ConnectionString))
        {
            await setup.OpenAsync(cancellationToken).ConfigureAwait(false);
            _tables = await ResolveTablesAsync(setup, cancellationToken).ConfigureAwait(false);
            await EnsurePublicationAsync(setup, cancellationToken).ConfigureAwait(false);
            confirmedFlush = await SlotConfirmedFlushAsync(setup, cancellationToken).ConfigureAwait(false);
            if (position is { SnapshotDone: false } && confirmedFlush is not null)
            {
                PostgresLog.SnapshotRestarted(_logger, _name, _options.Slot);
                await DropSlotAsync(setup, cancellationToken).ConfigureAwait(false);
                confirmedFlush = null;
            }
        }

        _replication = new LogicalReplicationConnection(_options.ConnectionString);
        await _replication.Open(cancellationToken).ConfigureAwait(false);
        NpgsqlLogSequenceNumber? start = null;
        if (confirmedFlush is null)
        {
            if (position is { SnapshotDone: true })
            {
                throw new InvalidOperationException(
                    $"Source '{_name}': the replication slot '{_options.Slot}' does not exist, so the changes after position {position.Lsn} cannot be read " +
                    "(the slot was dropped, or this is another server). Start without the position to create the slot and take a new snapshot.");
            }

            bool snapshot = _options.Snapshot;
            _slot = await _replication.CreatePgOutputReplicationSlot(
                _options.Slot,
                slotSnapshotInitMode: snapshot ? LogicalSlotSnapshotInitMode.Export : LogicalSlotSnapshotInitMode.NoExport,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            PostgresLog.SlotCreated(_logger, _name, _options.Slot, _slot.ConsistentPoint.ToString(), snapshot ? " with a snapshot" : "");
            _lsn = (ulong)_slot.ConsistentPoint;
            if (snapshot)
            {
                // The exported snapshot lives until the replication connection runs its next command: import it now.
                _snapshot = new NpgsqlConnection(_options.ConnectionString);
                await _snapshot.OpenAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(_snapshot, $"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {Sql.Literal(_slot.SnapshotName!)}", cancellationToken).ConfigureAwait(false);
                _createdSlotForSnapshot = true;
            }
            else
            {
                _snapshotDone = true;
            }
        }
        else
        {
            _slot = new PgOutputReplicationSlot(_options.Slot);
            _snapshotDone = true;
            if (position is not null)
            {
                _resumeLsn = (ulong)NpgsqlLogSequenceNumber.Parse(position.Lsn);
                _resumeSkip = position.Skip;
                start = new NpgsqlLogSequenceNumber(_resumeLsn);
            }
            else
            {
                _resumeLsn = confirmedFlush.Value;
            }

            _lsn = _resumeLsn;
            _skip = _resumeSkip;
        }

        PostgresMetrics.Track(this);
        _pump = Task.Run(() => PumpAsync(start, _stop.Token), CancellationToken.None);
        _monitor = Task.Run(() => MonitorAsync(_stop.Token), CancellationToken.None);
    }

    public override int TryRead(Span<ChangeRecord<T>> destination) => Read(destination, default);

    public override int TryRead(Span<ChangeRecord<T>> destination, Span<long> timestamps) => Read(destination, timestamps);

    private int Read(Span<ChangeRecord<T>> destination, Span<long> timestamps)
    {
        int n = 0;
        var reader = _channel.Reader;
        while (n < destination.Length && reader.TryRead(out var entry))
        {
            _lsn = entry.TransactionLsn;
            _skip = entry.SkipAfter;
            switch (entry.Kind)
            {
                case CdcEntryKind.SnapshotEnd:
                    _snapshotDone = true;
                    break;
                case CdcEntryKind.TransactionEnd:
                    break;
                case CdcEntryKind.Bad:
                    _context.ReportBadRecord(entry.BadRow, entry.Error!);
                    break;
                default:
                    destination[n] = entry.Record!;
                    if (!timestamps.IsEmpty) timestamps[n] = entry.Ticks;
                    if (entry.Ticks > _maxTicks) _maxTicks = entry.Ticks;
                    n++;
                    break;
            }
        }

        if (n > 0) PostgresMetrics.ChangesRead.Add(n, _sourceTag);
        return n;
    }

    public override bool TryTakeWatermark(out DateTimeOffset watermark)
    {
        long candidate = _maxTicks == long.MinValue ? long.MinValue : _maxTicks - _options.WatermarkDelay.Ticks;
        if (candidate > _lastWatermark && candidate >= DateTimeOffset.MinValue.UtcTicks)
        {
            _lastWatermark = candidate;
            watermark = new DateTimeOffset(candidate, TimeSpan.Zero);
            return true;
        }

        watermark = default;
        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    public override PostgresCdcPosition CapturePosition() => new(new NpgsqlLogSequenceNumber(_lsn).ToString(), _skip, _snapshotDone);

    /// <summary>Confirms the position's LSN to the server (applied and flushed), so the slot releases the WAL before it.</summary>
    public override async ValueTask CommitAsync(PostgresCdcPosition position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        if (!position.SnapshotDone || _replication is null) return;
        var lsn = NpgsqlLogSequenceNumber.Parse(position.Lsn);
        if ((ulong)lsn == 0) return;
        _replication.SetReplicationStatus(lsn);
        try
        {
            await _replication.SendStatusUpdate(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Not streaming yet (or any more): the status goes with the next update the connection sends.
        }
    }

    public override async ValueTask DisposeAsync()
    {
        PostgresMetrics.Untrack(this);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
            await _monitor.ConfigureAwait(false);
        }
        catch
        {
            // The failure reached the run through the channel.
        }

        if (_snapshot is not null) await _snapshot.DisposeAsync().ConfigureAwait(false);
        if (_replication is not null) await _replication.DisposeAsync().ConfigureAwait(false);
        if (_createdSlotForSnapshot && !_snapshotDone)
        {
            // This run created the slot and did not finish its snapshot: without the slot, the next run starts over.
            try
            {
                await using var connection = new NpgsqlConnection(_options.ConnectionString);
                await connection.OpenAsync(CancellationToken.None).ConfigureAwait(false);
                await DropSlotAsync(connection, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // A later run finds the slot and, at a position that says the snapshot was not finished, drops it itself.
            }
        }

        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task PumpAsync(NpgsqlLogSequenceNumber? start, CancellationToken cancellationToken)
    {
        var writer = _channel.Writer;
        try
        {
            if (_snapshot is not null) await ReadSnapshotAsync(writer, cancellationToken).ConfigureAwait(false);
            var options = new PgOutputReplicationOptions(_options.PublicationName, PgOutputProtocolVersion.V1, binary: true);
            ulong transactionLsn = 0;
            long index = 0;
            DateTimeOffset commitTime = default;
            uint xid = 0;
            await foreach (var message in _replication!.StartReplication(_slot!, options, cancellationToken, start).ConfigureAwait(false))
            {
                switch (message)
                {
                    case BeginMessage begin:
                        transactionLsn = (ulong)begin.TransactionFinalLsn;
                        commitTime = new DateTimeOffset(DateTime.SpecifyKind(begin.TransactionCommitTimestamp, DateTimeKind.Utc));
                        xid = begin.TransactionXid;
                        index = 0;
                        break;
                    case RelationMessage relation:
                        _relations[relation.RelationId] = RelationInfo.From(relation);
                        break;
                    case InsertMessage insert:
                        {
                            var info = _relations[insert.Relation.RelationId];
                            var after = await ReadRowAsync(info, insert.NewRow, keyOnly: false, cancellationToken).ConfigureAwait(false);
                            await EmitAsync(writer, ChangeOperation.Insert, info, null, after, transactionLsn, commitTime, xid, index++, cancellationToken).ConfigureAwait(false);
                            break;
                        }

                    case UpdateMessage update:
                        {
                            var info = _relations[update.Relation.RelationId];
                            PostgresRow? before = update switch
                            {
                                FullUpdateMessage full => await ReadRowAsync(info, full.OldRow, keyOnly: false, cancellationToken).ConfigureAwait(false),
                                IndexUpdateMessage keyed => await ReadRowAsync(info, keyed.Key, keyOnly: true, cancellationToken).ConfigureAwait(false),
                                _ => null,
                            };
                            var after = await ReadRowAsync(info, update.NewRow, keyOnly: false, cancellationToken).ConfigureAwait(false);
                            await EmitAsync(writer, ChangeOperation.Update, info, before, after, transactionLsn, commitTime, xid, index++, cancellationToken).ConfigureAwait(false);
                            break;
                        }

                    case DeleteMessage delete:
                        {
                            var info = _relations[delete.Relation.RelationId];
                            PostgresRow? before = delete switch
                            {
                                FullDeleteMessage full => await ReadRowAsync(info, full.OldRow, keyOnly: false, cancellationToken).ConfigureAwait(false),
                                KeyDeleteMessage keyed => await ReadRowAsync(info, keyed.Key, keyOnly: true, cancellationToken).ConfigureAwait(false),
                                _ => null,
                            };
                            await EmitAsync(writer, ChangeOperation.Delete, info, before, null, transactionLsn, commitTime, xid, index++, cancellationToken).ConfigureAwait(false);
                            break;
                        }

                    case CommitMessage commit:
                        {
                            // Past the whole transaction: a stream started at its end LSN begins with the next one.
                            var end = new CdcEntry<T>(CdcEntryKind.TransactionEnd, null, 0, (ulong)commit.TransactionEndLsn, 0, null, null);
                            if (!writer.TryWrite(end)) await writer.WriteAsync(end, cancellationToken).ConfigureAwait(false);
                            break;
                        }

                    case TruncateMessage truncate:
                        foreach (var r in truncate.Relations) PostgresLog.Truncated(_logger, _name, r.Namespace + "." + r.RelationName, new NpgsqlLogSequenceNumber(transactionLsn).ToString());
                        break;
                }
            }

            writer.TryComplete(new InvalidOperationException($"Source '{_name}': the server ended the replication stream of slot '{_options.Slot}'."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(new InvalidOperationException($"Source '{_name}': reading the replication stream of slot '{_options.Slot}' failed: {ex.Message}", ex));
        }
    }

    private async ValueTask EmitAsync(
        ChannelWriter<CdcEntry<T>> writer, ChangeOperation operation, RelationInfo info, PostgresRow? before, PostgresRow? after,
        ulong transactionLsn, DateTimeOffset commitTime, uint xid, long index, CancellationToken cancellationToken)
    {
        if (transactionLsn == _resumeLsn && index < _resumeSkip) return;
        CdcEntry<T> entry;
        try
        {
            var mapper = RowMapper<T>.Instance;
            var record = new ChangeRecord<T>(
                operation, info.Table,
                before is null ? default : mapper.Map(before, info.KeyColumns),
                after is null ? default : mapper.Map(after, info.KeyColumns),
                new NpgsqlLogSequenceNumber(transactionLsn), commitTime, xid, index);
            entry = new(CdcEntryKind.Change, record, commitTime.UtcTicks, transactionLsn, index + 1, null, null);
        }
        catch (PostgresMappingException ex)
        {
            entry = new(CdcEntryKind.Bad, null, 0, transactionLsn, index + 1, after ?? before, ex);
        }

        if (!writer.TryWrite(entry)) await writer.WriteAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<PostgresRow> ReadRowAsync(RelationInfo info, ReplicationTuple tuple, bool keyOnly, CancellationToken cancellationToken)
    {
        var values = new object?[keyOnly ? info.KeyColumns.Length : info.Columns.Length];
        List<int>? missing = null;
        int column = 0, slot = 0;
        await foreach (var value in tuple.ConfigureAwait(false))
        {
            bool wanted = !keyOnly || info.IsKey[column];
            if (wanted)
            {
                if (value.IsUnchangedToastedValue) (missing ??= []).Add(slot);
                else if (!value.IsDBNull) values[slot] = await value.Get(cancellationToken).ConfigureAwait(false);
                slot++;
            }

            column++;
        }

        var columns = keyOnly ? info.KeyColumns : info.Columns;
        if (missing is null) return new PostgresRow(info.Table, columns, values, true);

        // A large value the update did not change is not sent: the row holds the columns that were.
        var keep = Enumerable.Range(0, columns.Length).Except(missing).ToArray();
        return new PostgresRow(info.Table, [.. keep.Select(i => columns[i])], [.. keep.Select(i => values[i])], true);
    }

    private async Task ReadSnapshotAsync(ChannelWriter<CdcEntry<T>> writer, CancellationToken cancellationToken)
    {
        var connection = _snapshot!;
        ulong lsn = (ulong)_slot!.ConsistentPoint;
        DateTimeOffset time;
        await using (var now = new NpgsqlCommand("SELECT now()", connection))
        {
            time = new DateTimeOffset(DateTime.SpecifyKind((DateTime)(await now.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, DateTimeKind.Utc));
        }

        long index = 0;
        foreach (var (table, quoted) in _tables)
        {
            string[] keys = await PrimaryKeyAsync(connection, quoted, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"DECLARE pipelines_snapshot NO SCROLL CURSOR FOR SELECT * FROM {quoted}", cancellationToken).ConfigureAwait(false);
            string[]? columns = null;
            var info = new RelationInfo(table, [], [], keys);
            while (true)
            {
                int rows = 0;
                await using (var fetch = new NpgsqlCommand($"FETCH {SnapshotFetch} FROM pipelines_snapshot", connection))
                await using (var reader = await fetch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    columns ??= [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var values = new object?[columns.Length];
                        for (int i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                        var row = new PostgresRow(table, columns, values, true);
                        await EmitAsync(writer, ChangeOperation.Snapshot, info, null, row, lsn, time, 0, index++, cancellationToken).ConfigureAwait(false);
                        rows++;
                    }
                }

                if (rows < SnapshotFetch) break;
            }

            await ExecuteAsync(connection, "CLOSE pipelines_snapshot", cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken).ConfigureAwait(false);

        // The snapshot rows carry the consistent point with their index; after them the position is the consistent point itself.
        _resumeLsn = 0;
        _resumeSkip = 0;
        var end = new CdcEntry<T>(CdcEntryKind.SnapshotEnd, null, 0, lsn, 0, null, null);
        await writer.WriteAsync(end, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Measures, every <see cref="PostgresCdcOptions.LagCheckInterval"/>, the WAL the slot retains (from its restart LSN to the server's end), and warns above the limit.</summary>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_options.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, pg_current_wal_lsn()::text, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = @s", connection);
            command.Parameters.AddWithValue("s", _options.Slot);
            while (!cancellationToken.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
                    {
                        long retained = reader.GetInt64(0);
                        Volatile.Write(ref _retained, retained);
                        if (!_lagWarned && retained > _options.LagWarningBytes)
                        {
                            _lagWarned = true;
                            PostgresLog.RetainedWal(_logger, _name, _options.Slot, retained, reader.GetString(1), reader.IsDBNull(2) ? "none" : reader.GetString(2));
                        }
                        else if (_lagWarned && retained < _options.LagWarningBytes / 2)
                        {
                            _lagWarned = false;
                        }
                    }
                }

                await Task.Delay(_options.LagCheckInterval, _context.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (NpgsqlException ex)
        {
            // Measuring is best effort: the replication stream reports real failures.
            PostgresLog.LagUnmeasured(_logger, _name, _options.Slot, ex.Message);
        }
    }

    private async Task<(string Name, string Quoted)[]> ResolveTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var resolved = new List<(string, string)>();
        foreach (string table in _options.Tables)
        {
            await using var command = new NpgsqlCommand(
                "SELECT n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(@t)", connection);
            command.Parameters.AddWithValue("t", Sql.QuoteTable(table));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ArgumentException($"Source '{_name}': table '{table}' does not exist in the database the connection string names.");
            }

            resolved.Add((reader.GetString(0), reader.GetString(1)));
        }

        return [.. resolved];
    }

    private async Task EnsurePublicationAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_publication WHERE pubname = @p", connection);
        exists.Parameters.AddWithValue("p", _options.PublicationName);
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0) return;
        try
        {
            await ExecuteAsync(connection, $"CREATE PUBLICATION {Sql.Quote(_options.PublicationName)} FOR TABLE {string.Join(", ", _tables.Select(t => t.Quoted))}", cancellationToken).ConfigureAwait(false);
            PostgresLog.PublicationCreated(_logger, _name, _options.PublicationName, string.Join(", ", _tables.Select(t => t.Name)));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateObject)
        {
            // Another run created it meanwhile.
        }
    }

    private async Task<ulong?> SlotConfirmedFlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT confirmed_flush_lsn, plugin, database = current_database() FROM pg_replication_slots WHERE slot_name = @s", connection);
        command.Parameters.AddWithValue("s", _options.Slot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        if (reader.IsDBNull(1) || reader.GetString(1) != "pgoutput" || !reader.GetBoolean(2))
        {
            throw new InvalidOperationException($"Source '{_name}': replication slot '{_options.Slot}' exists but is not a pgoutput slot of this database; name another slot.");
        }

        return reader.IsDBNull(0) ? 0 : (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(0);
    }

    private async Task DropSlotAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = @s", connection);
        command.Parameters.AddWithValue("s", _options.Slot);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string[]> PrimaryKeyAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = {Sql.Literal(table)}::regclass AND i.indisprimary ORDER BY a.attnum",
            connection);
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) keys.Add(reader.GetString(0));
        return [.. keys];
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A relation's name and columns as the stream announced them; rows of one relation share its column arrays.</summary>
    private sealed record RelationInfo(string Table, string[] Columns, bool[] IsKey, string[] KeyColumns)
    {
        public static RelationInfo From(RelationMessage relation)
        {
            var columns = relation.Columns.Select(c => c.ColumnName).ToArray();
            var isKey = relation.Columns.Select(c => (c.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0).ToArray();
            return new(
                relation.Namespace + "." + relation.RelationName,
                columns, isKey, [.. columns.Where((_, i) => isKey[i])]);
        }
    }
}
