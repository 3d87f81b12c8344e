namespace Pipelines.Kafka;

/// <summary>
/// A Kafka source that reads as a member of a consumer group (<see cref="KafkaSource{TKey, TValue}"/>): an
/// exactly-once <see cref="KafkaSink{T, TKey, TValue}"/> can commit its consumer offsets inside the sink's
/// transactions (<see cref="KafkaSinkOptions{TKey, TValue}.SendOffsetsOf"/>). Implemented by this package only.
/// </summary>
public interface IKafkaConsumerGroupSource
{
    /// <summary>The consumer group.</summary>
    string GroupId { get; }

    /// <summary>The source's name in errors and logs.</summary>
    string Name { get; }

    /// <summary>
    /// The one reader this source has open now, switched to hand its offsets to the transactions of
    /// <paramref name="sinkName"/>; throws when the source is not being read by exactly one run.
    /// </summary>
    internal IConsumerOffsets OffsetsForTransactions(string sinkName);
}
