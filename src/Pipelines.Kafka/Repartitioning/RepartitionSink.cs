namespace Pipelines.Kafka;

/// <summary>The sending end of a repartition topic: every instance writes the elements it reads, each to the partition of its key.</summary>
internal sealed class RepartitionSink<T, TKey>(RepartitionTopic topic, Func<T, TKey> key, StateSerializer<T> values, StateSerializer<TKey> keys, bool eventTime) : Sink<T>
{
    public override string Name { get; } = $"repartition:{topic.Name}";

    /// <summary>Each element carries where it was read, so the reader drops a record's elements written twice.</summary>
    public override bool ReceivesOrigins => true;

    public override async ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        int partitions = await topic.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return new RepartitionSinkWriter<T, TKey>(topic, partitions, key, values, keys, eventTime, cancellationToken);
    }
}
