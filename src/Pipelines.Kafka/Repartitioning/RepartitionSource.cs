namespace Pipelines.Kafka;

/// <summary>
/// The receiving end of a repartition topic: a consumer in the repartition group, so each partition — and so each
/// key — is read by exactly one instance; elements come with the event time they had when they were sent, and the
/// watermark is read from the writers' watermark records (<see cref="PartitionWatermarks"/>).
/// </summary>
internal sealed class RepartitionSource<T>(RepartitionTopic topic, StateSerializer<T> values, bool eventTime) : Source<T, KafkaPosition>
{
    public override string Name { get; } = $"repartition:{topic.Name}";

    public override bool IsBounded => false;

    public override bool ProvidesEventTime => eventTime;

    public override async ValueTask<SourceReader<T, KafkaPosition>> OpenAsync(SourceContext context, KafkaPosition? position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await topic.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return new RepartitionSourceReader<T>(topic, values, eventTime, context, position, cancellationToken);
    }
}
