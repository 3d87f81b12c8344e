using Confluent.Kafka;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>Follows one instance's partition assignment through the source's rebalance callbacks.</summary>
internal sealed class AssignmentProbe
{
    private readonly HashSet<int> _owned = [];
    private readonly Lock _lock = new();

    public void Assigned(IReadOnlyList<TopicPartition> partitions)
    {
        lock (_lock) foreach (var p in partitions) _owned.Add(p.Partition.Value);
    }

    public void Revoked(IReadOnlyList<TopicPartition> partitions)
    {
        lock (_lock) foreach (var p in partitions) _owned.Remove(p.Partition.Value);
    }

    public int[] Owned
    {
        get
        {
            lock (_lock) return [.. _owned.Order()];
        }
    }
}
