using System.Buffers;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// Reads a repartition topic through a <see cref="KafkaSourceReader{TKey, TValue}"/> of raw bytes (so the group
/// protocol, offsets committed at checkpoints and the leaving of the group are the Kafka source's), turning element
/// records back into elements with their event times and watermark records into the stream's watermark.
/// </summary>
internal sealed class RepartitionSourceReader<T> : SourceReader<T, KafkaPosition>, IRepartitionOffsets
{
    /// <summary>How long a revocation waits for the checkpoints in flight when results commit with the offsets.</summary>
    private static readonly TimeSpan CheckpointWait = TimeSpan.FromSeconds(60);

    private readonly RepartitionTopic _topic;
    private readonly StateSerializer<T> _values;
    private readonly bool _eventTime;
    private readonly SourceContext _context;
    private readonly PartitionWatermarks _watermarks;
    private readonly KafkaSourceReader<byte[]?, byte[]?> _inner;
    private KafkaRecord<byte[]?, byte[]?>[] _buffer = [];

    /// <summary>The metric tags of the topic's partitions, and the records received from one partition and not yet recorded (<see cref="CountReceived"/>).</summary>
    private readonly PartitionTags _tags;
    private int _receivedPartition;
    private long _received;

    /// <summary>What has been taken from each input partition, per owned partition: elements written twice are dropped.</summary>
    private readonly OriginMarks _marks = new();

    /// <summary>The stored marks of partitions just assigned, still being read: nothing is read until they are in.</summary>
    private List<(int Partition, Task<byte[]?> Marks)>? _loading;

    /// <summary>The marks of each checkpoint's position, written with its offsets once the checkpoint completes.</summary>
    private readonly Queue<(KafkaPosition Position, long Sequence, long? Checkpoint, List<(int Partition, long Offset, byte[] Marks)> Marks)> _captured = new();
    private readonly object _capturedLock = new();

    /// <summary>How many positions were captured (checkpoint barriers), and the number of the last one committed; under <see cref="_capturedLock"/>.</summary>
    private long _capturedCount, _committedUpTo;

    /// <summary>An exactly-once sink commits its results with this reader's offsets (<see cref="IRepartitionOffsets"/>).</summary>
    private volatile string? _linkedSink;

    /// <summary>The name the marks are stored under, beside the keyed state of each partition (the topic's: another exchange's partitions have the same numbers).</summary>
    private string MarksName => $"origins-{_topic.Name}";
    private long _declared = long.MinValue;

    private CancellationTokenRegistration? _stopWatch;
    private bool _stopping;

    /// <summary>Partitions were assigned or revoked during a read: it returns at once, so the handover goes between the records before and after.</summary>
    private bool _handedOver;

    /// <summary>The last read emptied the consumer's queue: the reader is waiting for records, so time counts towards writers' silence.</summary>
    private bool _caughtUp;

    private readonly RepartitionSource<T>? _source;

    public RepartitionSourceReader(RepartitionTopic topic, StateSerializer<T> values, bool eventTime, SourceContext context, KafkaPosition? position, CancellationToken stopping, RepartitionSource<T>? source = null)
    {
        _source = source;
        _topic = topic;
        _tags = new PartitionTags(topic.Name);
        _values = values;
        _eventTime = eventTime;
        _context = context;
        _watermarks = new PartitionWatermarks(topic.Name, topic.Options.ProducerIdleTimeout, topic.Clock, topic.Logger);
        var options = topic.Options;
        var raw = new KafkaSource<byte[]?, byte[]?>(new KafkaSourceOptions<byte[]?, byte[]?>
        {
            BootstrapServers = topic.BootstrapServers,
            GroupId = topic.GroupId,
            Topics = [topic.Name],
            AutoOffsetReset = AutoOffsetReset.Earliest,
            ConsumerConfig = new ConsumerConfig(topic.ConsumerSettings()),
            CloseTimeout = options.CloseTimeout,
            Logger = topic.Logger,
            Name = $"repartition:{topic.Name}",
            OnPartitionsAssigned = assigned =>
            {
                _watermarks.Assign(assigned);
                options.OnPartitionsAssigned?.Invoke(assigned);
            },
            OnPartitionsRevoked = revoked =>
            {
                _watermarks.Revoke(revoked);

                // The marks go where the keyed state goes: with moving state, to the partition's next owner; without,
                // the state stays here, and so do the marks, for the elements read again if the partition comes back.
                foreach (var p in revoked)
                {
                    if (p.Topic == topic.Name && context.KeepsPartitionedState) _marks.Forget(p.Partition.Value);
                }

                if (context.KeepsPartitionedState && revoked.Count > 0)
                {
                    context.RevokePartitions([.. revoked.Where(p => p.Topic == topic.Name).Select(p => p.Partition.Value)]);
                    Volatile.Write(ref _handedOver, true);
                }

                options.OnPartitionsRevoked?.Invoke(revoked);
            },
            StartAtCommittedOffsets = context.KeepsPartitionedState,
            BeforePartitionsRevoked = revoked => WaitForCheckpointsInFlight(revoked),
            OnPartitionsStarting = starts =>
            {
                var mine = starts.Where(s => s.Topic == topic.Name).ToList();
                LoadMarks(mine);
                context.AssignPartitions([.. mine.Select(s => (s.Partition.Value, s.Offset.Value >= 0 ? s.Offset.Value : (long?)null))]);
                context.PartitionsCommitted([.. mine.Where(s => s.Offset.Value >= 0).Select(s => (s.Partition.Value, s.Offset.Value))]);
                Volatile.Write(ref _handedOver, true);
            },

            // The state stored with older offsets is needed by nobody once the group holds a newer one.
            OnCommitted = offsets => context.PartitionsCommitted([.. offsets.Where(o => o.Topic == topic.Name).Select(o => (o.Partition.Value, o.Offset.Value))]),

            // The linked exactly-once sink committed these offsets in its transaction, which a broker stores with it;
            // a broker that ignores transactional offsets keeps only this refused commit: say so.
            OnReleasedUncommitted = (offsets, reason) =>
            {
                if (context.KeepsPartitionedState && _linkedSink is { } sink && offsets.Where(o => o.Topic == topic.Name).ToList() is { Count: > 0 } mine)
                {
                    RepartitionLog.TransactionOffsetsRefused(topic.Logger, topic.Name, string.Join(", ", mine.Select(o => $"[{o.Partition.Value}] @{o.Offset.Value}")), reason, sink);
                }
            },
        });
        _inner = new KafkaSourceReader<byte[]?, byte[]?>(raw, context, position);
        WatchForStop(stopping);
    }

    public override bool ProvidesTimestamps => _eventTime;

    public override bool CommitsDuringRun => _inner.CommitsDuringRun;

    public override KafkaPosition CapturePosition() => Capture(_inner.CapturePosition(), null);

    /// <summary>The position at checkpoint <paramref name="checkpointId"/>'s barrier, recorded for it (as the inner reader records its offsets).</summary>
    public override KafkaPosition CapturePosition(long checkpointId) => Capture(_inner.CapturePosition(checkpointId), checkpointId);

    private KafkaPosition Capture(KafkaPosition position, long? checkpoint)
    {
        if (!_context.KeepsPartitionedState) return position;
        var marks = new List<(int, long, byte[])>();
        foreach (var entry in position.Partitions)
        {
            if (entry.Topic == _topic.Name && _marks.Capture(entry.Partition) is { } bytes) marks.Add((entry.Partition, entry.NextOffset, bytes));
        }

        lock (_capturedLock) _captured.Enqueue((position, ++_capturedCount, checkpoint, marks));
        return position;
    }

    /// <summary>Each element's origin is its record's place in the repartition topic (for an exchange after this one).</summary>
    public override bool ProvidesOrigins => true;

    public override int TryRead(Span<T> destination, Span<long> timestamps, Span<ElementOrigin> origins) => Read(destination, _eventTime ? timestamps : [], origins);

    /// <summary>
    /// Commits a completed checkpoint's position. When the keyed state moves with the partitions, also during a
    /// drain: the keyed stage snapshots the partitions it owns at the end of input instead of firing their windows,
    /// so every checkpoint stores, with the offsets it commits, the state those offsets leave (the final checkpoint:
    /// where this reader stopped). Without moving state nothing is committed once the run is stopping: a checkpoint
    /// that completes during a drain passed the keyed stages only because the end of input fired their open windows
    /// with what they had, so committing it would leave the partitions' next owner without the elements of those
    /// windows.
    /// </summary>
    public override async ValueTask CommitAsync(KafkaPosition position, CancellationToken cancellationToken)
    {
        if (_context.KeepsPartitionedState)
        {
            // The marks go with the keyed state of the same offsets, before the group holds those offsets.
            var (sequence, captured) = CapturedWith(position);
            foreach (var (partition, offset, marks) in captured)
            {
                await _context.WritePartitionStateAsync(MarksName, partition, offset, marks, cancellationToken).ConfigureAwait(false);
            }

            Volatile.Write(ref _completed, position);
            await _inner.CommitAsync(position, cancellationToken).ConfigureAwait(false);
            lock (_capturedLock)
            {
                _committedUpTo = Math.Max(_committedUpTo, sequence);
                Monitor.PulseAll(_capturedLock);
            }

            return;
        }

        if (Volatile.Read(ref _stopping)) return;
        await _inner.CommitAsync(position, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The marks captured with <paramref name="position"/>; those of older positions (checkpoints that did not complete) go.</summary>
    private (long Sequence, List<(int Partition, long Offset, byte[] Marks)> Marks) CapturedWith(KafkaPosition position)
    {
        lock (_capturedLock)
        {
            if (!_captured.Any(c => ReferenceEquals(c.Position, position))) return (0, []);
            while (_captured.TryDequeue(out var captured))
            {
                if (ReferenceEquals(captured.Position, position)) return (captured.Sequence, captured.Marks);
            }

            return (0, []);
        }
    }

    /// <summary>Links this reader to the exactly-once sink <paramref name="sinkName"/>, which commits its results with the offsets of the reader's checkpoints.</summary>
    public IRepartitionOffsets LinkTo(string sinkName)
    {
        _linkedSink = sinkName;
        return this;
    }

    (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) IConsumerOffsets.CheckpointOffsets(long checkpointId) => ((IConsumerOffsets)_inner).CheckpointOffsets(checkpointId);

    (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) IConsumerOffsets.FinalOffsets() => ((IConsumerOffsets)_inner).FinalOffsets();

    ValueTask IConsumerOffsets.DeadLettersDurableAsync(CancellationToken cancellationToken) => ((IConsumerOffsets)_inner).DeadLettersDurableAsync(cancellationToken);

    /// <summary>
    /// A transaction carrying these offsets committed. The reader still commits them itself when the checkpoint
    /// completes (right after the sinks' commits): a broker that stored them with the transaction takes the same
    /// offsets again, and one that does not (librdkafka's mock cluster) gets them that way. So nothing is marked here:
    /// marking them committed would skip that commit.
    /// </summary>
    void IConsumerOffsets.Committed(List<TopicPartitionOffset> offsets)
    {
    }

    /// <summary>
    /// The exactly-once sink pre-commits checkpoint <paramref name="checkpointId"/>: the marks taken at its barrier are
    /// stored now, before its transaction can carry the offsets to the group (they are stored again, the same, when
    /// it completes). Those of the last position taken when none was taken for it.
    /// </summary>
    public async Task StoreMarksAsync(long checkpointId, CancellationToken cancellationToken)
    {
        if (!_context.KeepsPartitionedState) return;
        List<(int Partition, long Offset, byte[] Marks)>? marks = null;
        lock (_capturedLock)
        {
            marks = _captured.LastOrDefault(c => c.Checkpoint == checkpointId).Marks ?? (_captured.Count > 0 ? _captured.Last().Marks : null);
        }

        foreach (var (partition, offset, bytes) in marks ?? [])
        {
            await _context.WritePartitionStateAsync(MarksName, partition, offset, bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Partitions are being revoked while an exactly-once sink commits its results with this reader's offsets: the
    /// checkpoints whose barriers were already sent are let finish (their transactions hold the partitions' results up
    /// to their positions, and those positions are what the partitions' next owner must start from), so that the
    /// revocation commits the newest of them. Called inside the rebalance handler, on the reading thread; the
    /// checkpoints finish without it. Bounded: a checkpoint that fails or hangs ends the wait after
    /// <see cref="CheckpointWait"/>, with a warning.
    /// </summary>
    private void WaitForCheckpointsInFlight(IReadOnlyList<TopicPartition> revoked)
    {
        if (_linkedSink is not { } sink || !_context.KeepsPartitionedState || Volatile.Read(ref _stopping)) return;
        long deadline = Environment.TickCount64 + (long)CheckpointWait.TotalMilliseconds;
        lock (_capturedLock)
        {
            long target = _capturedCount;
            while (_committedUpTo < target && !Volatile.Read(ref _stopping))
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    RepartitionLog.RevokedBeforeCheckpoint(_topic.Logger, _topic.Name, sink, string.Join(", ", revoked.Select(p => p.Partition.Value)), CheckpointWait.TotalSeconds);
                    return;
                }

                Monitor.Wait(_capturedLock, TimeSpan.FromMilliseconds(Math.Min(left, 100)));
            }
        }
    }

    /// <summary>
    /// Partitions were assigned at these offsets: their marks are the ones stored with that offset (none for a
    /// partition read from its start), read before any of their records.
    /// </summary>
    private void LoadMarks(List<TopicPartitionOffset> starts)
    {
        foreach (var start in starts)
        {
            int partition = start.Partition.Value;
            _marks.Forget(partition);
            if (!_context.KeepsPartitionedState || start.Offset.Value < 0) continue;
            (_loading ??= []).Add((partition, _context.ReadPartitionStateAsync(MarksName, partition, start.Offset.Value, CancellationToken.None)));
        }
    }

    /// <summary>Takes in the marks read for newly assigned partitions; false while some are still being read.</summary>
    private bool MarksLoaded()
    {
        if (_loading is not { } loading) return true;
        if (!loading.All(l => l.Marks.IsCompleted)) return false;
        _loading = null;
        foreach (var (partition, marks) in loading) _marks.Restore(partition, marks.GetAwaiter().GetResult());
        return true;
    }

    /// <summary>The position of the last completed checkpoint, when the keyed state moves with the partitions.</summary>
    private KafkaPosition? _completed;

    /// <summary>
    /// The run drained. With moving state the position of the last completed checkpoint — normally the final one,
    /// where this reader stopped — is committed now, waiting for the group's answer, before the instance leaves the
    /// group: the partitions' next owner restores the state stored with it and repeats nothing (nothing past a
    /// checkpoint is committed, since only a completed checkpoint's offsets have their state stored). Without moving
    /// state nothing is committed past the last completed checkpoint: the windows this instance had open fired with
    /// what it had read; the partitions' next owner reads again from the last checkpoint, which no open window
    /// predates, so it rebuilds those windows whole (its panes come after this instance's partial ones).
    /// </summary>
    public override ValueTask CommitAsync(CancellationToken cancellationToken) =>
        _context.KeepsPartitionedState
            ? _inner.CommitAfterDrainAsync(Volatile.Read(ref _completed) ?? new KafkaPosition([]), cancellationToken)
            : default;

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        WatchForStop(cancellationToken);
        return _loading is { } loading ? WaitForMarksAsync(loading, cancellationToken) : _inner.WaitToReadAsync(cancellationToken);
    }

    private static async ValueTask<bool> WaitForMarksAsync(List<(int Partition, Task<byte[]?> Marks)> loading, CancellationToken cancellationToken)
    {
        await Task.WhenAll(loading.Select(l => l.Marks)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The executor opens the source and waits with the token that stops the reading (a drain, a stop, a cancelled
    /// run): once it is cancelled the run is ending, and no checkpoint completed meanwhile is committed.
    /// </summary>
    private void WatchForStop(CancellationToken token)
    {
        if (_stopWatch is not null || !token.CanBeCanceled) return;
        _stopWatch = token.Register(() => Volatile.Write(ref _stopping, true));
    }

    public override int TryRead(Span<T> destination) => Read(destination, [], []);

    public override int TryRead(Span<T> destination, Span<long> timestamps) => Read(destination, timestamps, []);

    public override bool TryTakeWatermark(out DateTimeOffset watermark)
    {
        watermark = default;
        if (!_eventTime || _watermarks.Current() is not { } current || current <= _declared) return false;
        _declared = current;
        watermark = current >= DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue : new DateTimeOffset(Math.Max(current, DateTimeOffset.MinValue.UtcTicks), TimeSpan.Zero);
        return true;
    }

    public override async ValueTask DisposeAsync()
    {
        _source?.Closed(this);
        if (_stopWatch is { } registration) await registration.DisposeAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Read(Span<T> destination, Span<long> timestamps, Span<ElementOrigin> origins)
    {
        if (!MarksLoaded()) return 0;
        if (_buffer.Length < destination.Length) _buffer = new KafkaRecord<byte[]?, byte[]?>[destination.Length];
        _watermarks.Advance(_caughtUp);
        _caughtUp = false;
        int n = 0;
        while (n < destination.Length)
        {
            int got = _inner.TryRead(_buffer.AsSpan(0, destination.Length - n));
            bool handedOver = Volatile.Read(ref _handedOver);
            if (handedOver) Volatile.Write(ref _handedOver, false);
            if (got == 0)
            {
                _caughtUp = !handedOver;
                break;
            }

            for (int i = 0; i < got; i++)
            {
                var record = _buffer[i];
                _buffer[i] = null!;
                if (RepartitionHeaders.TryReadWatermark(record.Headers, out long watermark, out string producer, out bool idle))
                {
                    _watermarks.Observe(record.Partition, producer, watermark, idle);
                    continue;
                }

                if (RepartitionHeaders.ReadProducer(record.Headers) is { } writer) _watermarks.Element(record.Partition, writer);
                if (RepartitionHeaders.TryReadOrigin(record.Headers, out var origin) && !_marks.Take(record.Partition, origin))
                {
                    if (RepartitionMetrics.DuplicatesDropped.Enabled) RepartitionMetrics.DuplicatesDropped.Add(1, _tags.For(record.Partition));
                    continue;
                }

                T value;
                try
                {
                    value = _values.Deserialize(record.Value ?? []);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _context.ReportBadRecord(record, new InvalidDataException(
                        $"Repartition topic '{_topic.Name}' [{record.Partition}] @{record.Offset}: the element cannot be read as {typeof(T).Name} ({ex.Message}). Did an instance with another element type write it?", ex));
                    continue;
                }

                destination[n] = value;
                if (_eventTime) timestamps[n] = RepartitionHeaders.ReadEventTime(record.Headers) ?? record.Timestamp.UtcTicks;
                if (!origins.IsEmpty) origins[n] = new ElementOrigin(record.Partition, record.Offset);
                n++;
                CountReceived(record.Partition);
            }

            if (handedOver) break;
        }

        RecordReceived();
        return n;
    }

    /// <summary>Counts a record received from <paramref name="partition"/>, recorded once per read (<see cref="RecordReceived"/>).</summary>
    private void CountReceived(int partition)
    {
        if (partition != _receivedPartition)
        {
            RecordReceived();
            _receivedPartition = partition;
        }

        _received++;
    }

    /// <summary>Records the records counted since the last call: one measurement per run of records from one partition.</summary>
    private void RecordReceived()
    {
        if (_received > 0 && RepartitionMetrics.RecordsReceived.Enabled) RepartitionMetrics.RecordsReceived.Add(_received, _tags.For(_receivedPartition));
        _received = 0;
    }
}
