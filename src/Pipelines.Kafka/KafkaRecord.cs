namespace Pipelines.Kafka;

/// <summary>
/// A record read from Kafka, as the pipeline sees it: where it came from, its deserialized key and value, its
/// Kafka timestamp and headers. Use <see cref="Timestamp"/> or a field of <see cref="Value"/> as event time:
/// <c>WithEventTime(r =&gt; r.Timestamp, KafkaWatermarks.PerPartition(…))</c>.
/// </summary>
/// <typeparam name="TKey">The key type (nullable reference types receive null for records without a key).</typeparam>
/// <typeparam name="TValue">The value type (null or default for tombstones).</typeparam>
/// <param name="Topic">The topic the record was read from.</param>
/// <param name="Partition">The partition of <paramref name="Topic"/>.</param>
/// <param name="Offset">The record's offset in its partition.</param>
/// <param name="Key">The deserialized key.</param>
/// <param name="Value">The deserialized value.</param>
/// <param name="Timestamp">The record's Kafka timestamp.</param>
/// <param name="Headers">The record's headers, in order (empty when it has none).</param>
public sealed record KafkaRecord<TKey, TValue>(
    string Topic,
    int Partition,
    long Offset,
    TKey Key,
    TValue Value,
    DateTimeOffset Timestamp,
    IReadOnlyList<KafkaHeader> Headers) : IKafkaRecord, IAssignedRecord
{
    private readonly AssignmentSlot _assignment;

    /// <summary>The partitions the reader owned when it handed this record out; null when not read by a Kafka source.</summary>
    PartitionAssignment? IAssignedRecord.Assignment => _assignment.Assignment;

    internal PartitionAssignment? Assignment { init => _assignment = new AssignmentSlot(value); }

    /// <inheritdoc />
    public override string ToString() => $"{Topic}[{Partition}]@{Offset} {Key}: {Value}";
}
