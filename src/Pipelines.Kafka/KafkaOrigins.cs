namespace Pipelines.Kafka;

/// <summary>
/// Numbers a source's topic partitions for <see cref="ElementOrigin.Partition"/>, the same way in every instance:
/// the partition itself for a source of one topic; otherwise the topic's place in the subscription, times 65 536,
/// plus the partition (a topic matched by a pattern takes a number from a hash of its name instead).
/// </summary>
internal sealed class KafkaOrigins(IReadOnlyList<string> topics)
{
    private const int PartitionsPerTopic = 1 << 16;
    private readonly bool _single = topics.Count == 1 && !topics[0].StartsWith('^');
    private string? _lastTopic;
    private int _lastBase;

    public int Partition(string topic, int partition)
    {
        if (_single) return partition;
        if (!ReferenceEquals(topic, _lastTopic) && topic != _lastTopic)
        {
            _lastBase = Base(topic);
            _lastTopic = topic;
        }

        return _lastBase + partition;
    }

    private int Base(string topic)
    {
        for (int i = 0; i < topics.Count; i++)
        {
            if (string.Equals(topics[i], topic, StringComparison.Ordinal)) return i * PartitionsPerTopic;
        }

        // FNV-1a over the name: the same in every process (string.GetHashCode is not).
        uint hash = 2166136261;
        foreach (char c in topic) hash = (hash ^ c) * 16777619;
        return (int)(topics.Count + (hash % (uint)(short.MaxValue - topics.Count))) * PartitionsPerTopic;
    }
}
