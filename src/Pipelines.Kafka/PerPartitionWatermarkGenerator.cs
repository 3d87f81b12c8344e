namespace Pipelines.Kafka;

/// <summary>
/// Tracks the largest event time per (topic, partition) and the processing time of each partition's last record;
/// the watermark is the minimum over non-idle partitions (all idle: the maximum) minus the bound minus one tick.
/// Records read by a Kafka source carry their reader's assignment (<see cref="IAssignedRecord"/>): a partition newly
/// assigned then holds the watermark from the moment the generator learns of it until its first record (or the idle
/// timeout), and a revoked one is forgotten. Records without it (another <see cref="IKafkaRecord"/>) hold the
/// watermark back until the idle timeout has passed since the first record, so that partitions can report.
/// </summary>
internal sealed class PerPartitionWatermarkGenerator(TimeSpan bound, TimeSpan idleTimeout, TimeProvider clock) : IWatermarkGenerator<IKafkaRecord>
{
    private readonly Dictionary<(string Topic, int Partition), PartitionClock> _partitions = [];
    private PartitionClock? _last;
    private long _firstSeen = -1;
    private PartitionAssignment? _assignment;

    public int PartitionCount => _partitions.Count;

    public void OnEvent(IKafkaRecord element, DateTimeOffset timestamp)
    {
        long now = clock.GetTimestamp();
        if (_firstSeen < 0) _firstSeen = now;
        if (element is IAssignedRecord { Assignment: { } assignment } && !ReferenceEquals(assignment, _assignment)) Reassigned(assignment, now);
        var partition = _last;
        if (partition is null || partition.Partition != element.Partition || !string.Equals(partition.Topic, element.Topic, StringComparison.Ordinal))
        {
            if (!_partitions.TryGetValue((element.Topic, element.Partition), out partition))
            {
                partition = new PartitionClock(element.Topic, element.Partition);
                _partitions.Add((element.Topic, element.Partition), partition);
            }

            _last = partition;
        }

        if (timestamp > partition.MaxEventTime) partition.MaxEventTime = timestamp;
        partition.LastSeen = now;
    }

    public DateTimeOffset? CurrentWatermark
    {
        get
        {
            if (_firstSeen < 0) return null;
            long now = clock.GetTimestamp();
            if (_assignment is null && clock.GetElapsedTime(_firstSeen, now) < idleTimeout) return null;
            DateTimeOffset? activeMin = null;
            var max = DateTimeOffset.MinValue;
            foreach (var partition in _partitions.Values)
            {
                if (partition.MaxEventTime > max) max = partition.MaxEventTime;
                // Silent for the idle timeout — unless its reader knows it has records not read yet: a source held
                // back by a slow sink reads nothing for a while, then one partition first; the others are behind
                // then, not idle, and counting them idle would make their records late.
                bool idle = clock.GetElapsedTime(partition.LastSeen, now) >= idleTimeout
                    && !(_assignment?.HasBacklog(partition.Topic, partition.Partition) ?? false);
                if (!idle && (activeMin is null || partition.MaxEventTime < activeMin)) activeMin = partition.MaxEventTime;
            }

            var newest = activeMin ?? max;
            long ticks = newest.UtcTicks - bound.Ticks - 1;
            return ticks < DateTimeOffset.MinValue.UtcTicks ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Partitions newly assigned wait for their first record (they hold the watermark at −∞, until idle); revoked ones no longer count.</summary>
    private void Reassigned(PartitionAssignment assignment, long now)
    {
        _assignment = assignment;
        var owned = new HashSet<(string, int)>(assignment.Partitions);
        foreach (var key in _partitions.Keys.Where(k => !owned.Contains(k)).ToList()) _partitions.Remove(key);
        foreach (var (topic, number) in assignment.Partitions)
        {
            if (!_partitions.ContainsKey((topic, number))) _partitions.Add((topic, number), new PartitionClock(topic, number) { LastSeen = now });
        }

        _last = null;
    }

    private sealed class PartitionClock(string topic, int partition)
    {
        public string Topic { get; } = topic;

        public int Partition { get; } = partition;

        public DateTimeOffset MaxEventTime { get; set; } = DateTimeOffset.MinValue;

        public long LastSeen { get; set; }
    }
}
