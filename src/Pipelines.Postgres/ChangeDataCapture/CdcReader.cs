using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using NpgsqlTypes;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// One run of a change-data-capture source. A task reads the replication stream (after the initial snapshot, if
/// any), turns each change into a <see cref="ChangeRecord{T}"/> and puts it in a bounded channel; the executor's
/// reads take from the channel, and the position they leave behind is the end LSN of the last transaction taken
/// whole, or the commit LSN of the one being taken and how many of its changes were. <see cref="CommitAsync(PostgresCdcPosition, CancellationToken)"/>
/// confirms the LSN to the server, which may then release the WAL before it.
/// </summary>
internal sealed class CdcReader<T> : SourceReader<ChangeRecord<T>, PostgresCdcPosition>
{
    private readonly PostgresCdcOptions _options;
    private readonly string _name;
    private readonly SourceContext _context;
    private readonly ILogger _logger;
    private readonly Channel<CdcEntry<T>> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly KeyValuePair<string, object?> _sourceTag;
    private LogicalReplicationConnection? _replication;
    private NpgsqlConnection? _snapshot;
    private PgOutputReplicationSlot? _slot;
    private Task _pump = Task.CompletedTask;
    private ChangeStream<T>? _stream;
    private (string Name, string Quoted)[] _tables = [];

    /// <summary>Each captured table's primary key, which names its rows (<see cref="RelationInfo.From"/>).</summary>
    private readonly Dictionary<string, string[]> _primaryKeys = new(StringComparer.Ordinal);
    private bool _createdSlotForSnapshot;

    /// <summary>A position after the snapshot's end was committed (set on the commit task, read when disposing).</summary>
    private volatile bool _snapshotCommitted;

    // Where the reads have got to (touched only by the reading task).
    private ulong _lsn;
    private long _skip;
    private bool _snapshotDone;

    /// <summary>A row of the snapshot (or a bad one) was handed to the pipeline.</summary>
    private bool _snapshotRowsRead;
    private long _maxTicks = long.MinValue;
    private long _lastWatermark = long.MinValue;


    private Task _monitor = Task.CompletedTask;

    public CdcReader(PostgresCdcOptions options, string name, SourceContext context)
    {
        _options = options;
        _name = name;
        _context = context;
        _logger = options.Logger ?? NullLogger.Instance;
        _sourceTag = new("source", name);
        _channel = Channel.CreateBounded<CdcEntry<T>>(new BoundedChannelOptions(options.BufferSize) { SingleReader = true, SingleWriter = true });
    }

    public override bool ProvidesTimestamps => true;

    /// <summary>Sets up publication and slot, imports the snapshot if one is due, and starts the replication task.</summary>
    public async ValueTask StartAsync(PostgresCdcPosition? position, CancellationToken cancellationToken)
    {
        ulong? confirmedFlush;

        // When a snapshot is taken, the time its rows are valid from: read before the slot is created, so that a
        // transaction committed after the slot's consistent point (streamed as a change) is always newer than the
        // snapshot's version of its rows (the snapshot transaction's own now() comes later, and was ranked after it).
        DateTimeOffset snapshotTime = default;
        await using (var setup = new NpgsqlConnection(_options.ConnectionString))
        {
            await setup.OpenAsync(cancellationToken).ConfigureAwait(false);
            _tables = await ReplicationCatalog.ResolveTablesAsync(setup, _options.Tables, _name, cancellationToken).ConfigureAwait(false);
            foreach (var (table, quoted) in _tables)
            {
                _primaryKeys[table] = await ReplicationCatalog.PrimaryKeyAsync(setup, quoted, cancellationToken).ConfigureAwait(false);
            }

            if (await ReplicationCatalog.EnsurePublicationAsync(setup, _options.PublicationName, _tables, _name, cancellationToken).ConfigureAwait(false))
            {
                PostgresLog.PublicationCreated(_logger, _name, _options.PublicationName, string.Join(", ", _tables.Select(t => t.Name)));
            }

            confirmedFlush = await ReplicationCatalog.SlotConfirmedFlushAsync(setup, _options.Slot, _name, cancellationToken).ConfigureAwait(false);
            if (position is { SnapshotDone: false } && confirmedFlush is not null)
            {
                PostgresLog.SnapshotRestarted(_logger, _name, _options.Slot);
                await ReplicationCatalog.DropSlotAsync(setup, _options.Slot, cancellationToken).ConfigureAwait(false);
                confirmedFlush = null;
            }
            else if (position is null && _options.Snapshot && _context.PositionsStored && confirmedFlush is not null)
            {
                // No checkpoint of the run holds a position of this source, yet its slot exists: a run that was killed
                // before its first checkpoint (which comes only after the snapshot) leaves it behind without dropping
                // it, and resuming it would skip the rest of the snapshot for good. A new snapshot has every row.
                PostgresLog.SlotWithoutStoredPosition(_logger, _name, _options.Slot);
                await ReplicationCatalog.DropSlotAsync(setup, _options.Slot, cancellationToken).ConfigureAwait(false);
                confirmedFlush = null;
            }

            if (confirmedFlush is null) snapshotTime = await ReplicationCatalog.ServerTimeAsync(setup, cancellationToken).ConfigureAwait(false);
        }

        // Npgsql asks the server for a keepalive after half its receiver timeout of silence.
        _replication = new LogicalReplicationConnection(_options.ConnectionString) { WalReceiverTimeout = _options.KeepaliveInterval * 2 };
        await _replication.Open(cancellationToken).ConfigureAwait(false);
        NpgsqlLogSequenceNumber? start = null;
        ulong resumeLsn = 0;
        long resumeSkip = 0;
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
                // From here on the slot stands for a snapshot not yet delivered: a run that ends before it is committed
                // drops it (DisposeAsync), so the next run takes the snapshot again — also when importing it fails.
                _createdSlotForSnapshot = true;

                // The exported snapshot lives until the replication connection runs its next command: import it now.
                _snapshot = new NpgsqlConnection(_options.ConnectionString);
                await _snapshot.OpenAsync(cancellationToken).ConfigureAwait(false);
                await ReplicationCatalog.ExecuteAsync(_snapshot, $"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {Sql.Literal(_slot.SnapshotName!)}", cancellationToken).ConfigureAwait(false);
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
                resumeLsn = (ulong)NpgsqlLogSequenceNumber.Parse(position.Lsn);
                if (resumeLsn < confirmedFlush.Value)
                {
                    // The server would start at the confirmed LSN without a word: the changes in between are gone.
                    throw new InvalidOperationException(
                        $"Source '{_name}': cannot resume at position {position.Lsn}: replication slot '{_options.Slot}' has already confirmed " +
                        $"{new NpgsqlLogSequenceNumber(confirmedFlush.Value)}, and a slot delivers only the changes after what it confirmed, so those between cannot be read again " +
                        "(the position is older than the last completed checkpoint, or another run used the slot). Resume from the position of the last " +
                        "completed checkpoint, or start without a position (or drop the slot) to take a new snapshot.");
                }

                resumeSkip = position.Skip;
                start = new NpgsqlLogSequenceNumber(resumeLsn);
            }
            else
            {
                resumeLsn = confirmedFlush.Value;
            }

            _lsn = resumeLsn;
            _skip = resumeSkip;
        }

        var stream = new ChangeStream<T>(_name, _options, _replication, _slot, _snapshot, snapshotTime, _tables, _primaryKeys, resumeLsn, resumeSkip, _logger, _channel.Writer, _context.TimeProvider);
        _stream = stream;
        _pump = Task.Run(() => stream.RunAsync(start, _stop.Token), CancellationToken.None);
        var monitor = new RetainedWalMonitor(_options, _name, _logger, _context.TimeProvider);
        _monitor = Task.Run(() => monitor.RunAsync(_stop.Token), CancellationToken.None);
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
                    if (!_snapshotDone) _snapshotRowsRead = true;
                    _context.ReportBadRecord(entry.BadRow, entry.Error!);
                    break;
                default:
                    if (!_snapshotDone) _snapshotRowsRead = true;
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

    /// <summary>
    /// No checkpoint during the initial snapshot: a restart cannot continue it (the exported snapshot is gone), so a
    /// checkpoint holding part of it would be restored with a whole new snapshot on top of that part.
    /// </summary>
    public override bool CanCheckpoint => _snapshotDone;

    public override PostgresCdcPosition CapturePosition()
    {
        TakeTransactionEnds();
        AdvanceWhileIdle();
        return new(new NpgsqlLogSequenceNumber(_lsn).ToString(), _skip, _snapshotDone);
    }

    /// <summary>
    /// Takes the ends of transactions waiting at the head of the channel: they carry no change, and every change of
    /// their transactions was handed out, so the position moves past them — a run that stops (or a checkpoint taken)
    /// right after the last change of a transaction, before its end was read, resumes after that transaction instead
    /// of inside it (where a slot, which resumes by transaction, would send it again).
    /// </summary>
    private void TakeTransactionEnds()
    {
        var reader = _channel.Reader;
        while (reader.TryPeek(out var next) && next.Kind == CdcEntryKind.TransactionEnd && reader.TryRead(out var end))
        {
            _lsn = end.TransactionLsn;
            _skip = end.SkipAfter;
        }
    }

    /// <summary>
    /// With nothing in flight — the snapshot done, every change received handed out, no transaction begun and not
    /// ended — the position moves to what the server last said it has decoded (its keepalives, or the last message):
    /// no change of the captured tables commits before it that was not read, so a resume there loses nothing, and
    /// confirming it lets the server release the WAL of transactions on other tables. The received LSN is read
    /// first: everything it covers reached the channel before it was recorded, and the channel is checked empty after.
    /// </summary>
    private void AdvanceWhileIdle()
    {
        // Not only once streaming: on quiet tables the keepalives may be all the stream ever receives.
        if (!_snapshotDone || _skip != 0 || _replication is null || _stream is not { } stream) return;
        ulong received = (ulong)_replication.LastReceivedLsn;
        if (received <= _lsn || stream.InTransaction || _channel.Reader.Count > 0) return;
        _lsn = received;
    }

    /// <summary>Confirms the position's LSN to the server (applied and flushed), so the slot releases the WAL before it.</summary>
    public override async ValueTask CommitAsync(PostgresCdcPosition position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        if (!position.SnapshotDone) return;

        // Every snapshot row has reached the sinks (a checkpoint completed after the snapshot's end, or the run
        // ended): the slot now holds this run's progress and stays.
        _snapshotCommitted = true;
        if (_replication is null) return;
        var lsn = NpgsqlLogSequenceNumber.Parse(position.Lsn);
        if ((ulong)lsn == 0) return;
        _replication.SetReplicationStatus(lsn);

        // Before the stream has started (a commit between the snapshot's end and the server's first message) the
        // connection cannot send an update yet: the status set above goes with the first one it sends.
        if (_stream is not { Streaming: true } || _pump.IsCompleted) return;
        try
        {
            await _replication.SendStatusUpdate(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (_pump.IsCompleted || _stop.IsCancellationRequested)
        {
            // The stream ended (the run is stopping) between the check and the update: nothing is streaming any more.
        }
    }

    public override async ValueTask DisposeAsync()
    {
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
        if (_createdSlotForSnapshot && !_snapshotCommitted && (!_snapshotDone || _snapshotRowsRead))
        {
            // This run created the slot, and its snapshot did not all reach the sinks (the run failed or stopped
            // before a checkpoint or the end committed it): without the slot, the next run starts over (at least
            // once). An empty snapshot has nothing to lose: the slot stays, and the next run reads its changes again.
            // The server may not have released the slot from the replication connection closed just now (55006,
            // object in use): a few tries. A later run finds the slot and, at a position that says the snapshot was
            // not finished, drops it itself.
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(_options.ConnectionString);
                    await connection.OpenAsync(CancellationToken.None).ConfigureAwait(false);
                    await ReplicationCatalog.DropSlotAsync(connection, _options.Slot, CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 10)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
                }
                catch (NpgsqlException ex)
                {
                    PostgresLog.SlotNotDropped(_logger, _name, _options.Slot, ex.Message);
                    break;
                }
            }
        }

        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
