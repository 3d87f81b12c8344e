using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// Per-partition instruments of one Kafka source reader (a <see cref="KafkaSource{TKey, TValue}"/>'s, or the one
/// inside a repartition reader) on the <c>Pipelines.Kafka</c> meter, tagged with <c>source</c>, <c>group</c>,
/// <c>topic</c> and <c>partition</c>: the consumer lag and the committed offset of each partition the reader owns
/// (observable gauges, gone once the partition is revoked), the records read per partition (an observable counter),
/// the partitions assigned and revoked, and how long each rebalance held the reader.
/// </summary>
/// <remarks>
/// <para>Nothing here blocks the consume loop or calls the broker. The reader's polling thread writes each
/// partition's position (the offset after the last record handed to the pipeline, or the partition's end when
/// librdkafka reports it) into a slot; the lag gauge, when a collector reads it, subtracts that from the high
/// watermark librdkafka caches from its fetch responses (<see cref="IConsumer{TKey, TValue}.GetWatermarkOffsets"/>,
/// a local read). So the lag keeps growing while a backpressured pipeline does not poll, for as long as librdkafka
/// keeps fetching (until its prefetch queue is full).</para>
/// <para>A partition has a lag once its position is known: from its first record since the assignment, from its end
/// (<c>enable.partition.eof</c>, on unless the consumer settings turn it off), or at once when it starts at an offset
/// the reader knows (a resumed position); and once librdkafka has a high watermark for it (its first fetch).</para>
/// </remarks>
internal sealed class KafkaPartitionMetrics
{
    private static readonly Meter Meter = new(KafkaMetrics.MeterName, typeof(KafkaPartitionMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Lock LiveGate = new();
    private static readonly List<KafkaPartitionMetrics> Live = [];

    /// <summary>Records read per (source, group, topic, partition) in this process: counters never go back, whichever reader read them.</summary>
    private static readonly ConcurrentDictionary<(string Source, string Group, string Topic, int Partition), ReadCount> ReadCounts = new();

    public static readonly Counter<long> PartitionsAssigned = Meter.CreateCounter<long>(
        "pipelines.kafka.partitions.assigned", "{partition}", "Partitions the consumer group assigned to this instance.");

    public static readonly Counter<long> PartitionsRevoked = Meter.CreateCounter<long>(
        "pipelines.kafka.partitions.revoked", "{partition}", "Partitions taken from this instance: reason 'revoked' (a rebalance, or leaving the group) or 'lost' (dropped from the group).");

    public static readonly Counter<long> RecordsReadAgain = Meter.CreateCounter<long>(
        "pipelines.kafka.records.read_again", "{record}",
        "Records this instance had read from a partition past its last commit when the partition was taken from it (reason 'revoked' or 'lost'): the partition's next owner reads them again. Behind a Repartition, their elements cross the repartition topic a second time.");

    public static readonly Histogram<double> RebalanceDuration = Meter.CreateHistogram<double>(
        "pipelines.kafka.rebalance.duration", "s", "How long a rebalance held this instance: from its revocation (or, with nothing revoked, from its assignment) to the end of the assignment that completed it.");

    private static readonly ObservableGauge<long> Lag = Meter.CreateObservableGauge(
        "pipelines.kafka.consumer.lag", ObserveLag, "{record}", "Records in an owned partition after the ones handed to the pipeline: the high watermark minus the position.");

    private static readonly ObservableGauge<long> CommittedOffset = Meter.CreateObservableGauge(
        "pipelines.kafka.consumer.committed_offset", ObserveCommitted, "{offset}", "The offset this instance last committed for an owned partition: where its next owner starts.");

    private static readonly ObservableCounter<long> RecordsRead = Meter.CreateObservableCounter(
        "pipelines.kafka.records.read", ObserveRead, "{record}", "Records read from a partition (handed to the pipeline, skipped or dead-lettered).");

    private readonly string _source;
    private readonly string _group;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Topic, int Partition), Slot> _slots = [];
    private Func<TopicPartition, WatermarkOffsets>? _watermarks;
    private Slot? _last;
    private long _rebalanceStarted;

    public KafkaPartitionMetrics(string source, string group)
    {
        _source = source;
        _group = group;
    }

    /// <summary>
    /// Starts reporting lag, reading the high watermarks through <paramref name="watermarks"/> (librdkafka's cached
    /// values) until <see cref="Detach"/>: call it once the consumer is built, and detach before it is closed.
    /// </summary>
    public void Attach(Func<TopicPartition, WatermarkOffsets> watermarks)
    {
        lock (_gate) _watermarks = watermarks;
        lock (LiveGate) Live.Add(this);
    }

    /// <summary>Stops reporting: after this returns, the consumer is not touched from here again.</summary>
    public void Detach()
    {
        lock (LiveGate) Live.Remove(this);
        lock (_gate) _watermarks = null;
    }

    /// <summary>A revocation or a loss starts a rebalance (rebalance handlers run on the polling thread).</summary>
    public void RebalanceStarted()
    {
        if (_rebalanceStarted == 0) _rebalanceStarted = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// The assignment that completes a rebalance: each partition starts at its offset when the reader knows it
    /// (a resumed position), else its position is unknown until its first record or its end.
    /// </summary>
    public void Assigned(IEnumerable<TopicPartitionOffset> starts)
    {
        // A network wait, like librdkafka's timeouts: real time, not the run's (possibly scripted) clock.
        long started = _rebalanceStarted == 0 ? Stopwatch.GetTimestamp() : _rebalanceStarted;
        foreach (var start in starts)
        {
            var slot = Find(start.Topic, start.Partition.Value);
            Volatile.Write(ref slot.Committed, -1);
            Volatile.Write(ref slot.Position, start.Offset.Value >= 0 ? start.Offset.Value : -1);
            Volatile.Write(ref slot.Owned, true);
            PartitionsAssigned.Add(1, slot.Tags);
        }

        RebalanceDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new("source", _source), new("group", _group));
        _rebalanceStarted = 0;
    }

    /// <summary>Partitions revoked (or <paramref name="lost"/>): their lag and committed offset are no longer reported here.</summary>
    public void Revoked(IEnumerable<TopicPartitionOffset> partitions, bool lost)
    {
        var reason = new KeyValuePair<string, object?>("reason", lost ? "lost" : "revoked");
        foreach (var partition in partitions)
        {
            // A partition this reader never reported (assigned while it was stopping) has nothing to take back.
            Slot? slot;
            lock (_gate) _slots.TryGetValue((partition.Topic, partition.Partition.Value), out slot);
            if (slot is null || !Volatile.Read(ref slot.Owned)) continue;
            Volatile.Write(ref slot.Owned, false);
            Volatile.Write(ref slot.Position, -1);
            Volatile.Write(ref slot.Committed, -1);
            KeyValuePair<string, object?>[] tags = [.. slot.Tags, reason];
            PartitionsRevoked.Add(1, tags);
        }
    }

    /// <summary>A partition taken from this instance had <paramref name="records"/> records read past its last commit: its next owner reads them again.</summary>
    public void ReadAgain(TopicPartition partition, long records, bool lost)
    {
        if (records <= 0) return;
        var slot = Find(partition.Topic, partition.Partition.Value);
        KeyValuePair<string, object?>[] tags = [.. slot.Tags, new("reason", lost ? "lost" : "revoked")];
        RecordsReadAgain.Add(records, tags);
    }

    /// <summary>The record at <paramref name="offset"/> was handed to the pipeline, skipped or dead-lettered (the polling thread; per record).</summary>
    public void Read(string topic, int partition, long offset)
    {
        var slot = _last;
        if (slot is null || slot.Partition != partition || !string.Equals(slot.Topic, topic, StringComparison.Ordinal))
        {
            slot = Find(topic, partition);
            _last = slot;
        }

        Volatile.Write(ref slot.Position, offset + 1);
        Interlocked.Increment(ref slot.Read.Value);
    }

    /// <summary>The reader reached the end of a partition: its position is that end.</summary>
    public void EndOfPartition(TopicPartitionOffset end)
    {
        if (end.Offset.Value < 0) return;
        Volatile.Write(ref Find(end.Topic, end.Partition.Value).Position, end.Offset.Value);
    }

    /// <summary>
    /// Whether an owned partition has records past the position the reader handed out, by the high watermark
    /// librdkafka cached from its fetches (a local read; any thread). False when either is not known yet.
    /// </summary>
    public bool HasBacklog(string topic, int partition)
    {
        lock (_gate)
        {
            return _watermarks is { } watermarks && _slots.TryGetValue((topic, partition), out var slot) && Behind(slot, watermarks) > 0;
        }
    }

    /// <summary>
    /// Records of an owned partition past its position (the high watermark librdkafka cached, minus the position),
    /// or null while either is unknown: the position until the first record or end, the high watermark until the
    /// first fetch. Call under the reader's gate.
    /// </summary>
    private static long? Behind(Slot slot, Func<TopicPartition, WatermarkOffsets> watermarks)
    {
        long position = Volatile.Read(ref slot.Position);
        if (!Volatile.Read(ref slot.Owned) || position < 0) return null;
        long high;
        try
        {
            high = watermarks(slot.TopicPartition).High.Value;
        }
        catch (Exception ex) when (ex is KafkaException or ObjectDisposedException)
        {
            return null;
        }

        return high < 0 ? null : high - position;
    }

    /// <summary>Offsets committed (by the consumer or in an exactly-once sink's transaction); any thread.</summary>
    public void Committed(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            Slot? slot;
            lock (_gate) _slots.TryGetValue((offset.Topic, offset.Partition.Value), out slot);
            if (slot is null || !Volatile.Read(ref slot.Owned)) continue;
            long seen = Volatile.Read(ref slot.Committed);
            while (offset.Offset.Value > seen)
            {
                long was = Interlocked.CompareExchange(ref slot.Committed, offset.Offset.Value, seen);
                if (was == seen) break;
                seen = was;
            }
        }
    }

    private Slot Find(string topic, int partition)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue((topic, partition), out var slot))
            {
                var read = ReadCounts.GetOrAdd((_source, _group, topic, partition), static _ => new ReadCount());
                slot = new Slot(topic, partition, [new("source", _source), new("group", _group), new("topic", topic), new("partition", partition)], read);
                _slots.Add((topic, partition), slot);
            }

            return slot;
        }
    }

    private static List<KafkaPartitionMetrics> Readers()
    {
        lock (LiveGate) return [.. Live];
    }

    private static List<Measurement<long>> ObserveLag()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var reader in Readers())
        {
            lock (reader._gate)
            {
                if (reader._watermarks is not { } watermarks) continue;
                foreach (var slot in reader._slots.Values)
                {
                    if (Behind(slot, watermarks) is { } behind) measurements.Add(new Measurement<long>(Math.Max(0, behind), slot.Tags));
                }
            }
        }

        return measurements;
    }

    private static List<Measurement<long>> ObserveCommitted()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var reader in Readers())
        {
            lock (reader._gate)
            {
                foreach (var slot in reader._slots.Values)
                {
                    long committed = Volatile.Read(ref slot.Committed);
                    if (Volatile.Read(ref slot.Owned) && committed >= 0) measurements.Add(new Measurement<long>(committed, slot.Tags));
                }
            }
        }

        return measurements;
    }

    private static IEnumerable<Measurement<long>> ObserveRead()
    {
        foreach (var ((source, group, topic, partition), count) in ReadCounts)
        {
            yield return new Measurement<long>(
                Interlocked.Read(ref count.Value),
                new("source", source), new("group", group), new("topic", topic), new("partition", partition));
        }
    }

    private sealed class ReadCount
    {
        public long Value;
    }

    private sealed class Slot(string topic, int partition, KeyValuePair<string, object?>[] tags, ReadCount read)
    {
        public readonly string Topic = topic;
        public readonly int Partition = partition;
        public readonly TopicPartition TopicPartition = new(topic, new Partition(partition));
        public readonly KeyValuePair<string, object?>[] Tags = tags;
        public readonly ReadCount Read = read;

        /// <summary>The next offset the pipeline reads in this partition; −1 while unknown.</summary>
        public long Position = -1;

        /// <summary>The offset this instance last committed while owning the partition; −1 before the first.</summary>
        public long Committed = -1;

        public bool Owned;
    }
}
