using System.Diagnostics.Metrics;

namespace Pipelines.Kafka;

/// <summary>
/// Repartition instruments on the <c>Pipelines.Kafka</c> meter, tagged with <c>topic</c> and <c>partition</c>:
/// records sent and received (the exchange's throughput per partition), duplicates dropped, watermark records, and each partition's
/// watermark as this instance's reader sees it.
/// </summary>
internal static class RepartitionMetrics
{
    private static readonly Meter Meter = new(KafkaMetrics.MeterName, typeof(RepartitionMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> RecordsSent = Meter.CreateCounter<long>(
        "pipelines.kafka.repartition.records.sent", "{record}", "Elements this instance delivered to a repartition topic, per partition.");

    public static readonly Counter<long> RecordsReceived = Meter.CreateCounter<long>(
        "pipelines.kafka.repartition.records.received", "{record}", "Elements this instance read from a repartition topic, per partition.");

    public static readonly Counter<long> DuplicatesDropped = Meter.CreateCounter<long>(
        "pipelines.kafka.repartition.duplicates.dropped", "{record}", "Elements this instance read from a repartition topic and dropped because their input record had been written before (read again after its partition moved or its reader crashed), per partition.");

    public static readonly Counter<long> WatermarksSent = Meter.CreateCounter<long>(
        "pipelines.kafka.repartition.watermarks.sent", "{record}", "Watermark records this instance published to a repartition topic (one per partition each time).");

    public static readonly Histogram<double> PartitionWatermarkLag = Meter.CreateHistogram<double>(
        "pipelines.kafka.repartition.watermark.lag", "s", "How far a partition's watermark (the minimum over the instances writing to it) trails the newest one published to it, when it advances.");

    public static KeyValuePair<string, object?>[] Tags(string topic, int partition) => [new("topic", topic), new("partition", partition)];
}
