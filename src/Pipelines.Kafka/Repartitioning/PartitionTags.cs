namespace Pipelines.Kafka;

/// <summary>
/// The metric tags (<c>topic</c>, <c>partition</c>) of one repartition topic's partitions, built once per partition,
/// so recording a per-partition measurement allocates nothing. One instance per owner (a reader, a writer); calls
/// from two threads at once (a writer's delivery reports) are safe: at worst a partition's tags are built twice.
/// </summary>
/// <param name="topic">The topic's name.</param>
internal sealed class PartitionTags(string topic)
{
    private KeyValuePair<string, object?>[]?[] _tags = [];

    /// <summary>The tags of <paramref name="partition"/>.</summary>
    public KeyValuePair<string, object?>[] For(int partition)
    {
        if ((uint)partition >= (uint)_tags.Length) Array.Resize(ref _tags, Math.Max(partition + 1, _tags.Length * 2));
        return _tags[partition] ??= RepartitionMetrics.Tags(topic, partition);
    }
}
