namespace Pipelines.Kafka;

/// <summary>
/// The receiving end of a repartition topic: a consumer in the repartition group, so each partition — and so each
/// key — is read by exactly one instance; elements come with the event time they had when they were sent, and the
/// watermark is read from the writers' watermark records (<see cref="PartitionWatermarks"/>). With a checkpoint
/// storage the instances share, the keyed stage after it keeps its state per partition of the topic
/// (<see cref="IPartitionedStateSource"/>): a key's partition is the one the writers send it to.
/// </summary>
internal sealed class RepartitionSource<T>(RepartitionTopic topic, StateSerializer<T> values, bool eventTime, RepartitionKeys keys) : Source<T, KafkaPosition>, IPartitionedStateSource
{
    private int _partitions;

    /// <summary>The topic's partition count, known once a reader opened (the topic then exists).</summary>
    public int PartitionCount => Volatile.Read(ref _partitions) is > 0 and int count
        ? count
        : throw new InvalidOperationException($"Repartition topic '{topic.Name}': the partition count is known once the source is open.");

    public Func<TKey, int>? PartitionerFor<TKey>() => keys.For<TKey>(() => PartitionCount);

    public bool TryGetPartitionOffset(object position, int partition, out long offset)
    {
        offset = 0;
        if (position is not KafkaPosition kafka || kafka.Find(topic.Name, partition) is not { } entry) return false;
        offset = entry.NextOffset;
        return true;
    }

    public override string Name { get; } = $"repartition:{topic.Name}";

    public override bool IsBounded => false;

    public override bool ProvidesEventTime => eventTime;

    public override async ValueTask<SourceReader<T, KafkaPosition>> OpenAsync(SourceContext context, KafkaPosition? position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Volatile.Write(ref _partitions, await topic.EnsureAsync(cancellationToken).ConfigureAwait(false));
        return new RepartitionSourceReader<T>(topic, values, eventTime, context, position, cancellationToken);
    }
}
