namespace Pipelines.Kafka;

/// <summary>
/// The receiving end of a repartition topic: a consumer in the repartition group, so each partition — and so each
/// key — is read by exactly one instance; elements come with the event time they had when they were sent, and the
/// watermark is read from the writers' watermark records (<see cref="PartitionWatermarks"/>). With a checkpoint
/// storage the instances share, the keyed stage after it keeps its state per partition of the topic
/// (<see cref="IPartitionedStateSource"/>): a key's partition is the one the writers send it to.
/// </summary>
internal sealed class RepartitionSource<T>(RepartitionTopic topic, StateSerializer<T> values, bool eventTime, RepartitionKeys keys) : Source<T, KafkaPosition>, IPartitionedStateSource, IRepartitionSource
{
    private int _partitions;
    private readonly List<RepartitionSourceReader<T>> _open = [];

    public string TopicName => topic.Name;

    public IRepartitionOffsets OffsetsForTransactions(string sinkName)
    {
        lock (_open)
        {
            return _open.Count == 1
                ? _open[0].LinkTo(sinkName)
                : throw new InvalidOperationException(_open.Count == 0
                    ? $"Kafka sink '{sinkName}' commits its results with the positions of repartition topic '{topic.Name}', but no reader of it is open in this run."
                    : $"Kafka sink '{sinkName}' commits its results with the positions of repartition topic '{topic.Name}', but {_open.Count} runs read it at once from one pipeline object: build the pipeline once per run.");
        }
    }

    /// <summary>A reader closed: it no longer takes part in transactions.</summary>
    internal void Closed(RepartitionSourceReader<T> reader)
    {
        lock (_open) _open.Remove(reader);
    }

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
        var reader = new RepartitionSourceReader<T>(topic, values, eventTime, context, position, cancellationToken, this);
        lock (_open) _open.Add(reader);
        return reader;
    }
}
