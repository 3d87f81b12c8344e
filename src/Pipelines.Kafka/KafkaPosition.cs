namespace Pipelines.Kafka;

/// <summary>
/// How far a Kafka source's reader has read: the next offset of each partition it owned when the position was
/// captured. The position a reader captures at each checkpoint and commits to the consumer group once the records
/// before it have reached the sinks; pass one to <see cref="Source{T, TPosition}.ResumeFrom"/> (or
/// <see cref="Source{T, TPosition}.OpenAsync(SourceContext, TPosition, CancellationToken)"/>) to start there instead
/// of at the group's committed offsets. Immutable; serializes with System.Text.Json.
/// </summary>
/// <remarks>
/// A reader opened at a position starts each partition the group assigns to it at the position's offset the first
/// time it is assigned; partitions without an entry, and partitions assigned again later, start at the group's
/// committed offset (or <see cref="KafkaSourceOptions{TKey, TValue}.AutoOffsetReset"/>) as usual.
/// </remarks>
/// <param name="Partitions">The next offset of each partition.</param>
public sealed record KafkaPosition(IReadOnlyList<KafkaPartitionPosition> Partitions)
{
    /// <summary>The entry of one partition, or null when the position has none.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition number.</param>
    public KafkaPartitionPosition? Find(string topic, int partition)
    {
        foreach (var entry in Partitions)
        {
            if (entry.Partition == partition && entry.Topic == topic) return entry;
        }

        return null;
    }
}
