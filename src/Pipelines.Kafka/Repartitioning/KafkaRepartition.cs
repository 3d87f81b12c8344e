namespace Pipelines.Kafka;

/// <summary>The exchange behind <see cref="KafkaRepartitionExtensions.Repartition{T, TKey}"/>: a repartition topic's sink and source.</summary>
internal sealed class KafkaRepartition<T, TKey>(Func<T, TKey> key, KafkaRepartitionOptions options, StateSerializer<T> values, StateSerializer<TKey> keys) : Exchange<T>
{
    public RepartitionTopic? Topic { get; private set; }

    public override ExchangeEndpoints<T> Connect(ExchangeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var topic = RepartitionTopic.Resolve(options, context);
        Topic = topic;
        return new ExchangeEndpoints<T>(
            new RepartitionSink<T, TKey>(topic, key, values, keys, context.HasEventTime),
            new RepartitionSource<T>(topic, values, context.HasEventTime, new RepartitionKeys<TKey>(keys)));
    }
}
