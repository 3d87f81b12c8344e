using System.Buffers;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// Writes elements to the repartition topic, keyed by their serialized key, each to the partition Kafka's
/// <c>murmur2</c> partitioner gives it (as the Java clients and Kafka Streams pick it) among the partitions the topic
/// had when the run opened it — the count its readers split state by (<see cref="RepartitionKeys"/>): partitions added
/// to the topic during the run are not followed by the producer alone — and publishes this run's watermark to every partition:
/// when it advances (at most every <see cref="KafkaRepartitionOptions.WatermarkInterval"/>), again every third of
/// <see cref="KafkaRepartitionOptions.ProducerIdleTimeout"/> so readers know this instance is alive (also while its
/// watermark is still −∞: a live instance always holds readers back, only a crash releases them), and
/// <see cref="RepartitionHeaders.Done"/> when the run completes. A watermark record follows, in its partition, every
/// element written before it, so a reader that has seen it knows this instance sends nothing older (except late elements).
/// Every element carries this writer's id too. While the sink's input is idle, the watermark records say so, and
/// readers do not wait for this instance until its next element or watermark.
/// <para>
/// A full producer queue is the writer's backpressure: elements and watermarks wait for room, until a delivery fails
/// (librdkafka's <c>message.timeout.ms</c> expires what the brokers do not take), the run is cancelled or the writer is
/// disposed. The heartbeat never waits: it skips its turn when the queue is full or a write is publishing.
/// </para>
/// </summary>
internal sealed class RepartitionSinkWriter<T, TKey> : EventTimeSinkWriter<T>
{
    private readonly RepartitionTopic _topic;
    private readonly int _partitions;

    /// <summary>The metric tags of each partition; the delivery reports that use them come on this writer's producer's thread.</summary>
    private readonly PartitionTags _sentTags;
    private readonly Func<T, TKey> _key;
    private readonly StateSerializer<T> _values;
    private readonly StateSerializer<TKey> _keys;
    private readonly bool _eventTime;
    private readonly IProducer<byte[], byte[]?> _producer;
    private readonly byte[] _producerId = RepartitionHeaders.ProducerId(Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Action<DeliveryReport<byte[], byte[]?>> _delivered;
    private readonly ITimer _heartbeat;
    private readonly TimeSpan _heartbeatEvery;
    private readonly CancellationToken _run;
    private readonly object _gate = new();
    private long _latest = long.MinValue;
    private long _published = long.MinValue;
    private long _publishedAt;
    private bool _done;
    private bool _idle;
    private bool _closing;
    private Exception? _failed;

    /// <summary>Starts the producer and announces this instance (a wait for room in its queue ends when <paramref name="run"/>, the run's token, is cancelled).</summary>
    public RepartitionSinkWriter(RepartitionTopic topic, int partitions, Func<T, TKey> key, StateSerializer<T> values, StateSerializer<TKey> keys, bool eventTime, CancellationToken run)
    {
        _run = run;
        _topic = topic;
        _partitions = partitions;
        _sentTags = new PartitionTags(topic.Name);
        _key = key;
        _values = values;
        _keys = keys;
        _eventTime = eventTime;
        _heartbeatEvery = topic.Options.ProducerIdleTimeout / 3;
        _delivered = OnDelivered;
        var config = new ProducerConfig(topic.ProducerSettings())
        {
            BootstrapServers = topic.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
        };
        config.LingerMs ??= 5;
        _producer = new ProducerBuilder<byte[], byte[]?>(config)
            .SetLogHandler((_, m) => KafkaLog.Forward(topic.Logger, m))
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal) Interlocked.CompareExchange(ref _failed, new KafkaException(e), null);
            })
            .Build();

        // Readers learn of this instance before its first element: until it publishes a watermark, it holds theirs back
        // (for at most the producer idle timeout).
        Publish(long.MinValue);
        var period = topic.Options.WatermarkInterval < _heartbeatEvery ? topic.Options.WatermarkInterval : _heartbeatEvery;
        _heartbeat = topic.Clock.CreateTimer(_ => Heartbeat(), null, period, period);
    }

    public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps) => Write(items, timestamps, []);

    /// <summary>
    /// Writes each element with its origin (its input partition, offset and place among its record's elements), so
    /// the reader of a partition drops what it already has when a record is read and written again by another
    /// instance (<see cref="OriginMarks"/>). An element without a known origin is sent without one.
    /// </summary>
    public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, ReadOnlySpan<ElementOrigin> origins)
    {
        ThrowIfFailed();

        // Active again before the first element is produced: a heartbeat published between the elements and this
        // would otherwise mark the partitions idle behind them, letting other writers' watermarks run ahead.
        if (items.Length > 0 && Volatile.Read(ref _idle))
        {
            lock (_gate) _idle = false;
        }

        bool tracked = origins.Length == items.Length && items.Length > 0;
        for (int i = 0; i < items.Length; i++)
        {
            var item = items[i];
            _buffer.ResetWrittenCount();
            _keys.Serialize(_key(item), _buffer);
            byte[] key = _buffer.WrittenSpan.ToArray();
            int partition = Murmur2.Partition(key, _partitions);
            _buffer.ResetWrittenCount();
            _values.Serialize(item, _buffer);
            var headers = RepartitionHeaders.ForElement(_eventTime ? timestamps[i] : null, _producerId);
            if (tracked && origins[i].IsKnown) headers.Add(RepartitionHeaders.Origin, RepartitionHeaders.OriginBytes(origins[i]));

            var message = new Message<byte[], byte[]?>
            {
                Key = key,
                Value = _buffer.WrittenSpan.ToArray(),
                Headers = headers,
            };
            Produce(new TopicPartition(_topic.Name, partition), message);
        }
    }

    /// <summary>The input went idle: readers stop waiting for this instance until its next element or watermark.</summary>
    public override void OnIdle()
    {
        ThrowIfFailed();
        long latest;
        lock (_gate)
        {
            if (_idle || _done) return;
            _idle = true;
            latest = _latest;
        }

        Publish(latest);
    }

    public override void OnWatermark(DateTimeOffset watermark)
    {
        ThrowIfFailed();
        long ticks = watermark == DateTimeOffset.MaxValue ? RepartitionHeaders.Done : watermark.UtcTicks;
        lock (_gate)
        {
            if (ticks <= _latest) return;
            _latest = ticks;
            _idle = false;
            if (ticks == RepartitionHeaders.Done) return; // published by CompleteAsync, after everything else
            if (_topic.Clock.GetElapsedTime(_publishedAt) < _topic.Options.WatermarkInterval) return;
        }

        Publish(ticks);
    }

    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await Task.Run(() => _producer.Flush(cancellationToken), cancellationToken).ConfigureAwait(false);
        ThrowIfFailed();
    }

    /// <summary>The input ended (the run drained): every reader is told this instance sends nothing more.</summary>
    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        lock (_gate) _done = true;
        await _heartbeat.DisposeAsync().ConfigureAwait(false);
        PublishNow(RepartitionHeaders.Done);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        // First, without the lock: a publication waiting for room in the queue (holding the lock) gives up.
        Volatile.Write(ref _closing, true);
        lock (_gate) _done = true;
        await _heartbeat.DisposeAsync().ConfigureAwait(false);
        _producer.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// On the timer's thread: publishes the watermark when it advanced or the last one is a third of the idle timeout
    /// old. Never waits: when a write is publishing (it holds the lock) or the queue is full, the next tick tries again.
    /// </summary>
    private void Heartbeat()
    {
        if (!Monitor.TryEnter(_gate)) return;
        try
        {
            if (_done) return;
            bool advanced = _latest > _published;
            if (!advanced && _topic.Clock.GetElapsedTime(_publishedAt) < _heartbeatEvery) return;
            PublishLocked(_latest, wait: false);
        }
        catch (Exception ex) when (ex is KafkaException or ObjectDisposedException or InvalidOperationException)
        {
            Interlocked.CompareExchange(ref _failed, ex, null);
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    private void Publish(long watermark)
    {
        lock (_gate)
        {
            if (_done) return;
            PublishLocked(watermark);
        }
    }

    private void PublishNow(long watermark)
    {
        lock (_gate) PublishLocked(watermark);
    }

    /// <summary>
    /// Sends <paramref name="watermark"/> to every partition. Without <paramref name="wait"/>, a full queue stops it
    /// before it counts as published, so the next call sends it again (to every partition: a repeated watermark is harmless).
    /// </summary>
    private void PublishLocked(long watermark, bool wait = true)
    {
        if (watermark < _published) watermark = _published;
        for (int p = 0; p < _partitions; p++)
        {
            var message = new Message<byte[], byte[]?> { Key = null!, Value = null, Headers = RepartitionHeaders.ForWatermark(watermark, _producerId, _idle && watermark != RepartitionHeaders.Done) };
            if (wait)
            {
                Produce(new TopicPartition(_topic.Name, p), message);
            }
            else if (!TryProduce(new TopicPartition(_topic.Name, p), message))
            {
                return;
            }
        }

        RepartitionMetrics.WatermarksSent.Add(_partitions, new KeyValuePair<string, object?>("topic", _topic.Name));
        _published = watermark;
        _publishedAt = _topic.Clock.GetTimestamp();
    }

    private void Produce(TopicPartition partition, Message<byte[], byte[]?> message) => Produce(() => _producer.Produce(partition, message, _delivered));

    /// <summary>
    /// A full local queue is backpressure: serve deliveries, then try again; until a delivery failed (the brokers did
    /// not take records within <c>message.timeout.ms</c>), the run is cancelled or the writer is being disposed.
    /// </summary>
    private void Produce(Action produce)
    {
        while (!TryProduce(produce))
        {
            ThrowIfFailed();
            _run.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closing), this);
            _producer.Poll(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Queues a record without waiting; false when the queue is full.</summary>
    private bool TryProduce(TopicPartition partition, Message<byte[], byte[]?> message) => TryProduce(() => _producer.Produce(partition, message, _delivered));

    private static bool TryProduce(Action produce)
    {
        try
        {
            produce();
            return true;
        }
        catch (ProduceException<byte[], byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            return false;
        }
    }

    private void OnDelivered(DeliveryReport<byte[], byte[]?> report)
    {
        if (report.Error.IsError)
        {
            RepartitionLog.DeliveryFailed(_topic.Logger, _topic.Name, report.Error.Reason);
            Interlocked.CompareExchange(ref _failed, new KafkaException(report.Error), null);
            return;
        }

        if (report.Message.Value is not null && RepartitionMetrics.RecordsSent.Enabled) RepartitionMetrics.RecordsSent.Add(1, _sentTags.For(report.Partition.Value));
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failed) is { } failed)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Writing to repartition topic '{_topic.Name}' failed: {failed.Message}"), failed);
        }
    }
}
