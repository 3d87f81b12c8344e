namespace Pipelines.Kafka;

/// <summary>
/// The partitions a Kafka source's reader owned when it handed a record out: an immutable snapshot, replaced after
/// each rebalance, that <see cref="KafkaWatermarks.PerPartition"/> compares by reference to learn of assignments
/// before the first record of a newly assigned partition arrives.
/// </summary>
/// <param name="partitions">The owned partitions.</param>
/// <param name="backlog">
/// Whether a partition has records the reader has not handed out yet, as far as the reader knows (the high
/// watermark its consumer fetched, past its position); null when it cannot tell.
/// </param>
internal sealed class PartitionAssignment(IReadOnlyList<(string Topic, int Partition)> partitions, Func<string, int, bool>? backlog = null)
{
    public IReadOnlyList<(string Topic, int Partition)> Partitions { get; } = partitions;

    /// <summary>Whether the partition is known to have records not read yet: it is then behind, not idle.</summary>
    public bool HasBacklog(string topic, int partition) => backlog is not null && backlog(topic, partition);
}

/// <summary>A record that knows the assignment of the reader that read it (<see cref="KafkaRecord{TKey, TValue}"/>).</summary>
internal interface IAssignedRecord
{
    PartitionAssignment? Assignment { get; }
}

/// <summary>Holds a record's <see cref="PartitionAssignment"/> without taking part in the record's equality: two reads of one record are equal.</summary>
internal readonly struct AssignmentSlot(PartitionAssignment? assignment) : IEquatable<AssignmentSlot>
{
    public PartitionAssignment? Assignment { get; } = assignment;

    public bool Equals(AssignmentSlot other) => true;

    public override bool Equals(object? obj) => obj is AssignmentSlot;

    public override int GetHashCode() => 0;
}
