namespace Pipelines.Kafka;

/// <summary>
/// Numbers a source's topic partitions for <see cref="ElementOrigin.Partition"/>, the same way in every instance
/// whatever the order of the subscription: the partition itself for a source of one topic; otherwise a 64-bit hash
/// of the topic's name (FNV-1a, the same in every process) in the high 48 bits and the partition in the low 16.
/// </summary>
internal sealed class KafkaOrigins(IReadOnlyList<string> topics)
{
    private const int PartitionBits = 16;
    private readonly bool _single = topics.Count == 1 && !topics[0].StartsWith('^');
    private string? _lastTopic;
    private long _lastBase;

    public long Partition(string topic, int partition)
    {
        if (_single) return partition;
        if (topic != _lastTopic)
        {
            _lastBase = Base(topic);
            _lastTopic = topic;
        }

        return _lastBase | (uint)partition;
    }

    /// <summary>The topic's hash with the low bits cleared for the partition, and the sign bit clear (origins are not negative).</summary>
    private static long Base(string topic)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in topic) hash = (hash ^ c) * 1099511628211;
        return (long)(hash & 0x7FFF_FFFF_FFFF_0000);
    }
}
