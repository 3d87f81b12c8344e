using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// The reader's side of watermarks across a repartition topic, the way Flink carries them across a network shuffle:
/// each partition's watermark is the minimum over the instances that write to it (learned from their watermark
/// records), and the stream's watermark is the minimum over the partitions this instance owns. An instance that
/// announced its end no longer counts; one whose input is idle does not count until its next element or watermark;
/// one silent for the idle timeout (a crash) stops holding the watermark back; a partition newly assigned holds it
/// back until one of its writers is known, or for the idle timeout at most; a partition whose writers have all
/// ended, gone idle or gone silent does not count. Every record of a writer (element or watermark) shows it alive.
/// </summary>
/// <remarks>
/// Silence is measured on the reader's own progress, not on the wall clock: time counts only while the reader is
/// caught up (its last read emptied the consumer's queue, <see cref="Advance"/>), and at most
/// <see cref="MaxStep"/> between two reads. A reader that was backpressured, held by a checkpoint's alignment, or is
/// still reading a backlog has not yet seen the records that show its writers alive, so it does not judge them.
/// Not thread-safe: one reader calls it.
/// </remarks>
internal sealed class PartitionWatermarks(string topic, TimeSpan idleTimeout, TimeProvider clock, Microsoft.Extensions.Logging.ILogger logger)
{
    /// <summary>The most reader time one gap between reads adds: a reader that polls waits 100 ms at most; a longer gap is a pause.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, PartitionState> _partitions = [];
    private long _lastPoll = clock.GetTimestamp();

    /// <summary>Reader time: how long the reader has been caught up, in <see cref="TimeSpan"/> ticks.</summary>
    private long _now;

    public int Owned => _partitions.Count;

    /// <summary>
    /// The reader is about to read. The time since the previous call counts towards silence (at most
    /// <see cref="MaxStep"/>) when <paramref name="caughtUp"/>: the reader's previous read emptied the consumer's
    /// queue, so the reader has been waiting for records, not held back.
    /// </summary>
    public void Advance(bool caughtUp)
    {
        long at = clock.GetTimestamp();
        if (caughtUp) _now += Math.Min(clock.GetElapsedTime(_lastPoll, at).Ticks, MaxStep.Ticks);
        _lastPoll = at;
    }

    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        foreach (var p in partitions)
        {
            if (p.Topic == topic) _partitions.TryAdd(p.Partition.Value, new PartitionState(_now));
        }
    }

    public void Revoke(IEnumerable<TopicPartition> partitions)
    {
        foreach (var p in partitions)
        {
            if (p.Topic == topic) _partitions.Remove(p.Partition.Value);
        }
    }

    /// <summary>A watermark record of <paramref name="producer"/> in <paramref name="partition"/>; <paramref name="idle"/> when its input is idle.</summary>
    public void Observe(int partition, string producer, long watermark, bool idle = false)
    {
        var state = Partition(partition);
        state.Known = true;
        if (watermark == RepartitionHeaders.Done)
        {
            if (state.Producers.Remove(producer)) RepartitionLog.ProducerGone(logger, topic, producer, partition, "it stopped after draining");
            return;
        }

        var entry = Producer(state, producer);
        if (watermark > entry.Watermark) entry.Watermark = watermark;
        entry.Idle = idle;
    }

    /// <summary>
    /// An element of <paramref name="producer"/> in <paramref name="partition"/>: the writer is alive and no longer
    /// idle. A writer first met through an element holds the partition at −∞ until its next watermark record.
    /// </summary>
    public void Element(int partition, string producer)
    {
        var state = Partition(partition);
        state.Known = true;
        Producer(state, producer).Idle = false;
    }

    /// <summary>The minimum over owned partitions of the minimum over their live writers; null while none is known or a new partition is still waiting for its writers.</summary>
    public long? Current()
    {
        long idleTicks = idleTimeout.Ticks;
        long? result = null;
        foreach (var (partition, state) in _partitions)
        {
            long? min = null;
            long newest = long.MinValue;
            foreach (var (producer, entry) in state.Producers)
            {
                if (_now - entry.LastSeen >= idleTicks)
                {
                    if (!entry.Silent)
                    {
                        entry.Silent = true;
                        RepartitionLog.ProducerGone(logger, topic, producer, partition, $"silent for {idleTimeout.TotalSeconds:0.#} s while this reader was caught up");
                    }

                    continue;
                }

                if (entry.Idle) continue;
                if (min is null || entry.Watermark < min) min = entry.Watermark;
                if (entry.Watermark > newest) newest = entry.Watermark;
            }

            if (min is null)
            {
                if (!state.Known && _now - state.AssignedAt < idleTicks) return null;
                continue;
            }

            if (min > state.Reported && state.Reported != long.MinValue && min.Value != long.MinValue && RepartitionMetrics.PartitionWatermarkLag.Enabled)
            {
                RepartitionMetrics.PartitionWatermarkLag.Record(TimeSpan.FromTicks(newest - min.Value).TotalSeconds, RepartitionMetrics.Tags(topic, partition));
            }

            state.Reported = Math.Max(state.Reported, min.Value);
            if (result is null || min < result) result = min;
        }

        return result;
    }

    private PartitionState Partition(int partition)
    {
        if (!_partitions.TryGetValue(partition, out var state))
        {
            // A record of a partition assigned before the callback was seen (or after a revocation): track it anyway.
            state = new PartitionState(_now);
            _partitions.Add(partition, state);
        }

        return state;
    }

    private ProducerState Producer(PartitionState state, string producer)
    {
        if (!state.Producers.TryGetValue(producer, out var entry))
        {
            entry = new ProducerState();
            state.Producers.Add(producer, entry);
        }

        entry.LastSeen = _now;
        entry.Silent = false;
        return entry;
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

        public bool Idle { get; set; }
    }
}
