using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipelines.Kafka;

/// <summary>
/// Reads one run of a <see cref="KafkaSource{TKey, TValue}"/>: a consumer in the group, polled only when the
/// executor asks (<see cref="TryRead(Span{KafkaRecord{TKey, TValue}})"/> polls without waiting; <see cref="WaitToReadAsync"/> polls in slices of
/// <see cref="KafkaSourceOptions{TKey, TValue}.PollInterval"/> and checks its token between them), so at most one
/// record is held here besides librdkafka's own bounded prefetch queue. Offsets are committed from the polling
/// thread: a completed checkpoint's position before the next poll (without waiting for the answer), the revoked
/// partitions' share of it in the revocation handler, and every owned partition once the run has drained. When the
/// run ends the consumer leaves the group before it is closed (<see cref="DisposeAsync"/>). A record that cannot be
/// deserialized is reported to the run (<see cref="SourceContext.ReportBadRecord"/>) from a read, never from a
/// wait: a poll that meets one holds it until the executor reads, so a poll abandoned when the run stops reports
/// nothing.
/// </summary>
internal sealed class KafkaSourceReader<TKey, TValue> : SourceReader<KafkaRecord<TKey, TValue>, KafkaPosition>, IConsumerOffsets
{
    private readonly KafkaSource<TKey, TValue> _source;
    private readonly SourceContext _context;
    private readonly KafkaSourceOptions<TKey, TValue> _options;
    private readonly ILogger _logger;
    private readonly IConsumer<TKey, TValue> _consumer;
    private readonly DeadLetterPublisher? _deadLetters;
    private readonly GroupMembership<TKey, TValue> _group;
    private readonly KafkaPartitionMetrics _metrics;
    private readonly KeyValuePair<string, object?> _sourceTag;
    private readonly KafkaOrigins _origins;
    private ConsumeResult<TKey, TValue>? _pending;
    private ConsumeException? _pendingBad;
    private Task<bool>? _polling;
    private Exception? _fatal;
    private KafkaPosition? _lastCaptured;

    /// <summary>The positions taken at the last checkpoints' barriers, oldest first, for exactly-once sinks that ask for their checkpoint's (<see cref="IConsumerOffsets.CheckpointOffsets"/>).</summary>
    private readonly Queue<(long Checkpoint, KafkaPosition Position)> _checkpointPositions = new();
    private readonly Lock _checkpointGate = new();
    private bool _closed;
    private PartitionAssignment? _assignment;

    /// <summary>Whether a partition has records not handed out yet, told to per-partition watermarks; null when the reader cannot tell.</summary>
    private readonly Func<string, int, bool>? _backlog;
    private int _assignmentAt;

    /// <summary>Polls without a rebalance event, with an empty assignment and no commit waiting, before the consumer is closed.</summary>
    private const int QuietPolls = 3;

    /// <summary>How long a consumer that could not leave within the close timeout keeps trying in the background.</summary>
    private static readonly TimeSpan LeaveLimit = TimeSpan.FromMinutes(5);

    public KafkaSourceReader(KafkaSource<TKey, TValue> source, SourceContext context, KafkaPosition? position)
    {
        _source = source;
        _context = context;
        _options = source.Options;
        _origins = new KafkaOrigins(_options.Topics);
        _logger = _options.Logger ?? NullLogger.Instance;
        _sourceTag = new("source", source.Name);
        _metrics = new KafkaPartitionMetrics(source.Name, _options.GroupId);
        _group = new GroupMembership<TKey, TValue>(_options, source.Name, _logger, new OffsetTracker(position)) { Metrics = _metrics };
        var consumerConfig = ClientConfigs.Consumer(_options);

        // Without partition ends, a partition read to its end may still look behind its high watermark (the commit
        // marker of a transactional producer takes an offset): it would never count idle.
        _backlog = consumerConfig.EnablePartitionEof == true ? _metrics.HasBacklog : null;
        var builder = new ConsumerBuilder<TKey, TValue>(consumerConfig)
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetErrorHandler(OnError)
            .SetLogHandler((_, m) => KafkaLog.Forward(_logger, m));
        if (_options.KeyDeserializer is not null) builder.SetKeyDeserializer(_options.KeyDeserializer);
        if (_options.ValueDeserializer is not null) builder.SetValueDeserializer(_options.ValueDeserializer);
        _consumer = builder.Build();
        try
        {
            if (context.ErrorPolicy == ErrorPolicy.DeadLetter && _options.DeadLetterTopic is not null)
            {
                _deadLetters = new DeadLetterPublisher(ClientConfigs.DeadLetterProducer(_options), _options.DeadLetterTopic!, _logger);
            }

            _consumer.Subscribe(_options.Topics);
            _metrics.Attach(_consumer.GetWatermarkOffsets);
        }
        catch
        {
            _consumer.Dispose();
            _deadLetters?.Dispose();
            throw;
        }

        source.ReaderOpened(this);
    }

    public override bool CommitsDuringRun => true;

    /// <summary>The next offset of every owned partition after the records handed out so far.</summary>
    public override KafkaPosition CapturePosition()
    {
        var position = _group.Offsets.Capture();
        Volatile.Write(ref _lastCaptured, position);
        return position;
    }

    /// <summary>
    /// The position at checkpoint <paramref name="checkpointId"/>'s barrier, recorded for it: an exactly-once sink
    /// pre-commits that checkpoint with exactly these offsets, even when the reader has captured a later position
    /// since (a drain stopping it while the checkpoint's barrier is on its way to the sink).
    /// </summary>
    public override KafkaPosition CapturePosition(long checkpointId)
    {
        var position = CapturePosition();
        lock (_checkpointGate)
        {
            _checkpointPositions.Enqueue((checkpointId, position));

            // One checkpoint is in flight at a time: the last few are plenty.
            while (_checkpointPositions.Count > 16) _checkpointPositions.Dequeue();
        }

        return position;
    }

    /// <summary>
    /// A checkpoint completed: once the dead-letter copies are durable, its offsets are committed before the
    /// consumer's next poll, on the polling thread — unless an exactly-once sink commits them in its transactions.
    /// </summary>
    public override async ValueTask CommitAsync(KafkaPosition position, CancellationToken cancellationToken)
    {
        if (_deadLetters is not null) await _deadLetters.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (!_group.OffsetsInTransactions) _group.RequestCommit(position);
    }

    /// <summary>From now on an exactly-once sink commits this reader's offsets in its transactions; the reader commits none.</summary>
    public void HandOffsetsToTransactions() => _group.OffsetsInTransactions = true;

    (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) IConsumerOffsets.CheckpointOffsets(long checkpointId)
    {
        var position = PositionOf(checkpointId) ?? Volatile.Read(ref _lastCaptured) ?? new KafkaPosition([]);
        return (_group.Offsets.Committable(position), _consumer.ConsumerGroupMetadata);
    }

    /// <summary>The position taken at checkpoint <paramref name="checkpointId"/>'s barrier, or null (kept: every sink linked to the reader may ask).</summary>
    private KafkaPosition? PositionOf(long checkpointId)
    {
        lock (_checkpointGate)
        {
            foreach (var (checkpoint, position) in _checkpointPositions)
            {
                if (checkpoint == checkpointId) return position;
            }

            return null;
        }
    }

    (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) IConsumerOffsets.FinalOffsets() =>
        (_group.Offsets.Committable(_group.Offsets.Capture()), _consumer.ConsumerGroupMetadata);

    void IConsumerOffsets.Committed(List<TopicPartitionOffset> offsets) => _group.CommittedInTransaction(offsets);

    ValueTask IConsumerOffsets.DeadLettersDurableAsync(CancellationToken cancellationToken) => _deadLetters?.FlushAsync(cancellationToken) ?? default;

    public override int TryRead(Span<KafkaRecord<TKey, TValue>> destination)
    {
        ThrowIfFailed();
        _group.CommitRequested(_consumer);
        int n = 0;
        if (_pendingBad is { } bad && destination.Length > 0)
        {
            _pendingBad = null;
            Undeserializable(bad);
        }

        if (_pending is not null && destination.Length > 0)
        {
            destination[n++] = Hand(_pending);
            _pending = null;
        }

        int callbacks = _group.Callbacks;
        while (n < destination.Length && TryConsume(TimeSpan.Zero, out var result, out var undeserializable))
        {
            if (_options.StartAtCommittedOffsets && _group.Callbacks != callbacks)
            {
                // The assignment changed during this poll: what it returned belongs after the change, which the
                // executor passes on once this read returns; it is handed out by the next read.
                _pending = result;
                _pendingBad = undeserializable;
                break;
            }

            if (result is not null) destination[n++] = Hand(result);
            else if (undeserializable is not null) Undeserializable(undeserializable);
        }

        return n;
    }

    /// <summary>Each record's origin is its partition (numbered by topic, <see cref="KafkaOrigins"/>) and offset.</summary>
    public override bool ProvidesOrigins => true;

    public override int TryRead(Span<KafkaRecord<TKey, TValue>> destination, Span<long> timestamps, Span<ElementOrigin> origins)
    {
        int n = TryRead(destination);
        for (int i = 0; i < n; i++)
        {
            var record = destination[i];
            origins[i] = new ElementOrigin(_origins.Partition(record.Topic, record.Partition), record.Offset);
        }

        return n;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (_pending is not null || _pendingBad is not null) return new(true);
        var polling = PollAsync(cancellationToken);
        _polling = polling;
        return new(polling);
    }

    private async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Never hold the caller (or a pool thread) for longer than one poll slice without checking the token.
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfFailed();
            _group.CommitRequested(_consumer);
            if (TryConsume(_options.PollInterval, out var result, out var undeserializable) && (result is not null || undeserializable is not null))
            {
                // A bad record waits for the next read, which reports it to the run.
                _pending = result;
                _pendingBad = undeserializable;
                return true;
            }
        }
    }

    /// <summary>
    /// The run drained: every record handed out has reached the sinks. Make the dead-letter copies durable, then
    /// commit the position of every partition this instance still owns.
    /// </summary>
    public override ValueTask CommitAsync(CancellationToken cancellationToken) => CommitAfterDrainAsync(null, cancellationToken);

    /// <summary>
    /// The run drained: commit <paramref name="upTo"/> (the last completed checkpoint's position, when state stored
    /// with it moves with the partitions) instead of everything handed out (null), waiting for the group's answer.
    /// </summary>
    public async ValueTask CommitAfterDrainAsync(KafkaPosition? upTo, CancellationToken cancellationToken)
    {
        await QuiesceAsync().ConfigureAwait(false);
        ThrowIfFailed();
        if (_deadLetters is not null) await _deadLetters.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_group.OffsetsInTransactions) return;
        await _group.CommitAfterDrainAsync(_consumer, PollWithoutReading, upTo, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Leaves the group and closes the consumer, on a thread of its own, waiting at most
    /// <see cref="KafkaSourceOptions{TKey, TValue}.CloseTimeout"/>; past that the run ends and the consumer finishes
    /// leaving in the background (a blocked native call cannot be interrupted).
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        _source.ReaderClosed(this);
        await QuiesceAsync().ConfigureAwait(false);
        if (_closed) return;
        _closed = true;
        var leaving = Task.Factory.StartNew(LeaveAndClose, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await leaving.WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            KafkaLog.LeaveTimedOut(_logger, _source.Name, _options.CloseTimeout.TotalSeconds);
        }
    }

    /// <summary>
    /// Leaves the group the way librdkafka needs it left (confluentinc/librdkafka#4792: closing a consumer while an
    /// assignment change is in progress aborts the process): unsubscribe, poll until the revocation handler has run
    /// (it commits; see <see cref="GroupMembership{TKey, TValue}.OnRevoked"/>), the assignment is empty, no commit
    /// is waiting and a few polls pass without a rebalance event, and only then close.
    /// </summary>
    private void LeaveAndClose()
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(_options.CloseTimeout.TotalSeconds * Stopwatch.Frequency);

        // Past the caller's bound, the consumer keeps serving the group in the background until it may close; a group
        // that never settles is closed after this long anyway.
        long giveUp = deadline + (long)(LeaveLimit.TotalSeconds * Stopwatch.Frequency);
        _metrics.Detach();
        try
        {
            if (Volatile.Read(ref _fatal) is null)
            {
                _group.StartLeaving(deadline);
                _consumer.Unsubscribe();
                int quiet = 0, seen = _group.Callbacks;
                while (quiet < QuietPolls && Stopwatch.GetTimestamp() < giveUp)
                {
                    PollWithoutReading();
                    int callbacks = _group.Callbacks;
                    quiet = callbacks == seen && !_group.Commits.Busy && _consumer.Assignment.Count == 0 ? quiet + 1 : 0;
                    seen = callbacks;
                }

                _group.Left();
            }

            _consumer.Close();
        }
        catch (Exception ex) when (ex is KafkaException or InvalidOperationException or ObjectDisposedException)
        {
            KafkaLog.LeaveFailed(_logger, _source.Name, ex.Message);
        }
        finally
        {
            _consumer.Dispose();
            _deadLetters?.Dispose();
        }
    }

    /// <summary>
    /// Polls once; false when nothing was available. True with a record, with a record that could not be
    /// deserialized (<paramref name="undeserializable"/>), or with neither (the end of a partition).
    /// </summary>
    private bool TryConsume(TimeSpan timeout, out ConsumeResult<TKey, TValue>? result, out ConsumeException? undeserializable)
    {
        undeserializable = null;
        try
        {
            result = _consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (ex.Error.Code is ErrorCode.Local_KeyDeserialization or ErrorCode.Local_ValueDeserialization)
        {
            undeserializable = ex;
            result = null;
            return true;
        }

        if (result is null) return false;
        if (result.IsPartitionEOF)
        {
            _metrics.EndOfPartition(result.TopicPartitionOffset);
            result = null;
        }

        return true;
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<TKey, TValue> consumer, List<TopicPartition> partitions)
    {
        var starts = _group.OnAssigned(consumer, partitions, out bool read);
        // Partitions assigned while stopping are never read: no gauges, no read counter, no assignment counted.
        if (read) _metrics.Assigned(starts);
        return starts;
    }

    private void OnRevoked(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> partitions)
    {
        _metrics.RebalanceStarted();
        _group.OnRevoked(consumer, partitions);
        _metrics.Revoked(partitions, lost: false);
    }

    private void OnLost(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> partitions)
    {
        _metrics.RebalanceStarted();
        _group.OnLost(consumer, partitions);
        _metrics.Revoked(partitions, lost: true);
    }

    private KafkaRecord<TKey, TValue> Hand(ConsumeResult<TKey, TValue> result)
    {
        _group.Offsets.Handled(result.TopicPartition, result.Offset.Value);
        _metrics.Read(result.Topic, result.Partition.Value, result.Offset.Value);
        var message = result.Message;
        return new KafkaRecord<TKey, TValue>(
            result.Topic,
            result.Partition.Value,
            result.Offset.Value,
            message.Key,
            message.Value,
            DateTimeOffset.FromUnixTimeMilliseconds(message.Timestamp.UnixTimestampMs),
            Headers(message.Headers))
        {
            Assignment = CurrentAssignment(),
        };
    }

    /// <summary>The owned partitions, taken again from the consumer after each rebalance callback.</summary>
    private PartitionAssignment CurrentAssignment()
    {
        int callbacks = _group.Callbacks;
        if (_assignment is null || callbacks != _assignmentAt)
        {
            _assignment = new PartitionAssignment([.. _consumer.Assignment.Select(p => (p.Topic, p.Partition.Value))], _backlog);
            _assignmentAt = callbacks;
        }

        return _assignment;
    }

    private static IReadOnlyList<KafkaHeader> Headers(Headers? headers)
    {
        if (headers is null || headers.Count == 0) return [];
        var list = new KafkaHeader[headers.Count];
        for (int i = 0; i < list.Length; i++) list[i] = new KafkaHeader(headers[i].Key, headers[i].GetValueBytes());
        return list;
    }

    /// <summary>
    /// Reports a record that could not be deserialized to the run, under the source's error policy: Fail throws
    /// (the run fails naming the record), Skip counts it, DeadLetter sends it to the dead-letter sink and, when a
    /// dead-letter topic is set, copies its bytes there. A skipped or dead-lettered record counts as handled.
    /// </summary>
    private void Undeserializable(ConsumeException ex)
    {
        var raw = ex.ConsumerRecord;
        var component = ex.Error.Code == ErrorCode.Local_KeyDeserialization ? MessageComponentType.Key : MessageComponentType.Value;
        var cause = ex.InnerException ?? ex;
        var record = new MalformedKafkaRecord(
            raw.Topic,
            raw.Partition.Value,
            raw.Offset.Value,
            raw.Message.Key,
            raw.Message.Value,
            DateTimeOffset.FromUnixTimeMilliseconds(raw.Message.Timestamp.UnixTimestampMs),
            Headers(raw.Message.Headers),
            component);
        _context.ReportBadRecord(record, new KafkaDeserializationException(raw.Topic, raw.Partition.Value, raw.Offset.Value, component, cause));

        // Not failed: skipped or dead-lettered (and counted by the run).
        _metrics.Read(raw.Topic, raw.Partition.Value, raw.Offset.Value);
        string part = component == MessageComponentType.Key ? "key" : "value";
        if (_context.ErrorPolicy == ErrorPolicy.DeadLetter)
        {
            _deadLetters?.Publish(raw, component, cause);
            _group.Offsets.Handled(raw.TopicPartition, raw.Offset.Value);
            _source.CountDeadLettered();
            KafkaMetrics.RecordsDeadLettered.Add(1, _sourceTag);
            KafkaLog.DeadLettered(_logger, cause, _source.Name, raw.Topic, raw.Partition.Value, raw.Offset.Value, part, _deadLetters is null ? "the dead-letter sink" : $"the dead-letter sink and topic '{_options.DeadLetterTopic}'");
        }
        else
        {
            _group.Offsets.Handled(raw.TopicPartition, raw.Offset.Value);
            _source.CountSkipped();
            KafkaMetrics.RecordsSkipped.Add(1, _sourceTag);
            KafkaLog.Skipped(_logger, cause, _source.Name, raw.Topic, raw.Partition.Value, raw.Offset.Value, part);
        }
    }

    private void OnError(IConsumer<TKey, TValue> consumer, Error error)
    {
        if (error.IsFatal) Interlocked.CompareExchange(ref _fatal, Fatal(_source.Name, _options.GroupId, error), null);
        else KafkaLog.ClientError(_logger, _source.Name, error.Reason, error.Code.ToString());
    }

    /// <summary>After the drain: serve the group protocol without handing out records (what is polled now is read again later).</summary>
    private void PollWithoutReading()
    {
        try
        {
            _consumer.Consume(_options.PollInterval);
        }
        catch (ConsumeException)
        {
            // A record polled after the drain is not the pipeline's: its offset is not committed either way.
        }
    }

    /// <summary>Waits for a poll the executor abandoned when it stopped reading, so the consumer is used by one thread at a time.</summary>
    private async Task QuiesceAsync()
    {
        if (_polling is not { } polling) return;
        _polling = null;
        try
        {
            await polling.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cancelled, or failed: the executor already saw that failure through its own await, or has stopped.
        }

        // A record the abandoned poll fetched was never handed out (nor reported): its offset stays uncommitted.
        _pending = null;
        _pendingBad = null;
    }

    /// <summary>
    /// A fatal consumer error (the consumer cannot go on: fenced by another with the same <c>group.instance.id</c>,
    /// an unsupported protocol), naming the source and its group, which librdkafka's reason does not.
    /// </summary>
    internal static KafkaException Fatal(string source, string group, Error error) =>
        new(new Error(error.Code, $"Kafka source '{source}' (group '{group}') stopped on a fatal consumer error: {error.Reason} ({error.Code}). The consumer cannot go on; restart the run once the cause is removed (another consumer with the same group.instance.id, a setting the brokers refuse).", isFatal: true));

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _fatal) is { } fatal) throw new KafkaException(fatal is KafkaException k ? k.Error : new Error(ErrorCode.Local_Fail, fatal.Message), fatal);
        _deadLetters?.ThrowIfFailed();
    }
}
