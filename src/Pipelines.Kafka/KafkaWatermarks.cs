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
    /// <para>The generator learns partitions from the records it sees, not from the consumer's assignment. So that a
    /// partition whose first records arrive a moment after another's is not overtaken, no watermark is emitted until
    /// <paramref name="idleTimeout"/> has passed since the first record of the run; choose it well above the time a
    /// partition takes to start delivering after an assignment (seconds, not milliseconds). A partition revoked in a
    /// rebalance simply goes idle; one newly assigned joins with its first record. A watermark never goes back: a
    /// newly assigned partition whose records are older than the current watermark yields late records.</para>
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
