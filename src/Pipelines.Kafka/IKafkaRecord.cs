namespace Pipelines.Kafka;

/// <summary>
/// Where a record came from: what <see cref="KafkaWatermarks.PerPartition"/> needs to keep one watermark per
/// partition, whatever the key and value types. <see cref="KafkaRecord{TKey, TValue}"/> implements it.
/// </summary>
public interface IKafkaRecord
{
    /// <summary>The topic the record was read from.</summary>
    string Topic { get; }

    /// <summary>The partition of <see cref="Topic"/> the record was read from.</summary>
    int Partition { get; }

    /// <summary>The record's offset in its partition.</summary>
    long Offset { get; }

    /// <summary>The record's Kafka timestamp (create time or log-append time, as the topic is configured).</summary>
    DateTimeOffset Timestamp { get; }
}
