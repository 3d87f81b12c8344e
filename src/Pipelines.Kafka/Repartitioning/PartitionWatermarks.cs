using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// The reader's side of watermarks across a repartition topic, the way Flink carries them across a network shuffle:
/// each partition's watermark is the minimum over the instances that write to it (learned from their watermark
/// records), and the stream's watermark is the minimum over the partitions this instance owns. An instance that
/// announced its end no longer counts; one silent for the idle timeout (a crash) stops holding the watermark back;
/// a partition newly assigned holds it back until one of its writers is known, or for the idle timeout at most; a
/// partition whose writers have all ended or gone silent does not count. Not thread-safe: one reader calls it.
/// </summary>
internal sealed class PartitionWatermarks(string topic, TimeSpan idleTimeout, TimeProvider clock, Microsoft.Extensions.Logging.ILogger logger)
{
    private readonly Dictionary<int, PartitionState> _partitions = [];

    public int Owned => _partitions.Count;

    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        long now = clock.GetTimestamp();
        foreach (var p in partitions)
        {
            if (p.Topic == topic) _partitions.TryAdd(p.Partition.Value, new PartitionState(now));
        }
    }

    public void Revoke(IEnumerable<TopicPartition> partitions)
    {
        foreach (var p in partitions)
        {
            if (p.Topic == topic) _partitions.Remove(p.Partition.Value);
        }
    }

    /// <summary>A watermark record of <paramref name="producer"/> in <paramref name="partition"/>.</summary>
    public void Observe(int partition, string producer, long watermark)
    {
        long now = clock.GetTimestamp();
        if (!_partitions.TryGetValue(partition, out var state))
        {
            // A record of a partition assigned before the callback was seen (or after a revocation): track it anyway.
            state = new PartitionState(now);
            _partitions.Add(partition, state);
        }

        state.Known = true;
        if (watermark == RepartitionHeaders.Done)
        {
            if (state.Producers.Remove(producer)) RepartitionLog.ProducerGone(logger, topic, producer, partition, "it stopped after draining");
            return;
        }

        if (!state.Producers.TryGetValue(producer, out var entry))
        {
            entry = new ProducerState();
            state.Producers.Add(producer, entry);
        }

        if (watermark > entry.Watermark) entry.Watermark = watermark;
        entry.LastSeen = now;
        entry.Silent = false;
    }

    /// <summary>The minimum over owned partitions of the minimum over their live writers; null while none is known or a new partition is still waiting for its writers.</summary>
    public long? Current()
    {
        long now = clock.GetTimestamp();
        long? result = null;
        foreach (var (partition, state) in _partitions)
        {
            long? min = null;
            long newest = long.MinValue;
            foreach (var (producer, entry) in state.Producers)
            {
                if (clock.GetElapsedTime(entry.LastSeen, now) >= idleTimeout)
                {
                    if (!entry.Silent)
                    {
                        entry.Silent = true;
                        RepartitionLog.ProducerGone(logger, topic, producer, partition, $"silent for {idleTimeout.TotalSeconds:0.#} s");
                    }

                    continue;
                }

                if (min is null || entry.Watermark < min) min = entry.Watermark;
                if (entry.Watermark > newest) newest = entry.Watermark;
            }

            if (min is null)
            {
                if (!state.Known && clock.GetElapsedTime(state.AssignedAt, now) < idleTimeout) return null;
                continue;
            }

            if (min > state.Reported && state.Reported != long.MinValue && min.Value != long.MinValue)
            {
                RepartitionMetrics.PartitionWatermarkLag.Record(TimeSpan.FromTicks(newest - min.Value).TotalSeconds, RepartitionMetrics.Tags(topic, partition));
            }

            state.Reported = Math.Max(state.Reported, min.Value);
            if (result is null || min < result) result = min;
        }

        return result;
    }

    private sealed class PartitionState(long assignedAt)
    {
        public long AssignedAt { get; } = assignedAt;

        public bool Known { get; set; }

        public long Reported { get; set; } = long.MinValue;

        public Dictionary<string, ProducerState> Producers { get; } = new(StringComparer.Ordinal);
    }

    private sealed class ProducerState
    {
        public long Watermark { get; set; } = long.MinValue;

        public long LastSeen { get; set; }

        public bool Silent { get; set; }
    }
}
