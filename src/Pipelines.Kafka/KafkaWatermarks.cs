namespace Pipelines.Kafka;

/// <summary>Watermark strategies for streams of <see cref="KafkaRecord{TKey, TValue}"/>.</summary>
public static class KafkaWatermarks
{
    /// <summary>
    /// One watermark per partition, merged by minimum, the way Kafka Streams and Flink's Kafka source track event
    /// time: each partition's watermark is (largest event time seen in it) − <paramref name="maxOutOfOrderness"/>
    /// − 1 tick, and the stream's watermark is the minimum over the partitions that are not idle. So a partition
    /// that lags behind holds the watermark back (its records are not late because another partition ran ahead),
    /// while a partition without records for <paramref name="idleTimeout"/> stops holding it back, and rejoins with
    /// its next record. When every partition is idle the watermark is that of the furthest one.
    /// </summary>
    /// <remarks>
    /// <para>Apply it directly on the Kafka stream, with any event-time selector:
    /// <c>p.From(source).WithEventTime(r =&gt; r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)))</c>
    /// or <c>WithEventTime(r =&gt; r.Value.OccurredAt, …)</c>.</para>
    /// <para>Each record read by a <see cref="KafkaSource{TKey, TValue}"/> tells the generator which partitions its
    /// reader owns: a partition newly assigned (at the start or in a rebalance) holds the watermark from the first
    /// record after the assignment until its own first record, or for <paramref name="idleTimeout"/> at most, so the
    /// partitions that report first do not overtake it; a revoked partition is forgotten at once. (For records of
    /// another <see cref="IKafkaRecord"/> type the generator learns partitions from the records it sees, and emits no
    /// watermark until <paramref name="idleTimeout"/> has passed since the first record.) Choose
    /// <paramref name="idleTimeout"/> well above the time a partition takes to start delivering after an assignment
    /// and above the gaps between records of a burst (seconds, not milliseconds): a partition idle longer stops holding
    /// the watermark back, and its next records can be late if another partition moved it past them. A watermark
    /// never goes back: records of a newly assigned partition older than the current watermark are late.</para>
    /// </remarks>
    /// <param name="maxOutOfOrderness">How far behind the newest record of its own partition a record may be; zero or more.</param>
    /// <param name="idleTimeout">How long a partition may go without records before it stops holding the watermark back (processing time); positive and finite.</param>
    /// <param name="timeProvider">The clock for idleness; the system clock when null.</param>
    public static WatermarkStrategy PerPartition(TimeSpan maxOutOfOrderness, TimeSpan idleTimeout, TimeProvider? timeProvider = null)
    {
        if (maxOutOfOrderness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxOutOfOrderness), maxOutOfOrderness, "The out-of-orderness bound must be zero or positive.");
        }

        if (idleTimeout <= TimeSpan.Zero || idleTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(idleTimeout), idleTimeout, "The idle timeout must be positive and finite: without it one silent partition would stall the watermark for ever.");
        }

        var clock = timeProvider ?? TimeProvider.System;
        return Watermarks.Custom<IKafkaRecord>(() => new PerPartitionWatermarkGenerator(maxOutOfOrderness, idleTimeout, clock));
    }
}
