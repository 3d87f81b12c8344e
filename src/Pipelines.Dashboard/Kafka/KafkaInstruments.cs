namespace Pipelines.Dashboard.Kafka;

/// <summary>
/// The instruments the Kafka panel reads, by meter and name: the dashboard does not reference the Kafka package, it
/// listens to what it publishes (<c>Pipelines.Kafka</c>) and to the core meter's moving-state instruments.
/// </summary>
internal static class KafkaInstruments
{
    public const string KafkaMeter = "Pipelines.Kafka";
    public const string CoreMeter = "Pipelines";

    public const string Lag = "pipelines.kafka.consumer.lag";
    public const string CommittedOffset = "pipelines.kafka.consumer.committed_offset";
    public const string RecordsRead = "pipelines.kafka.records.read";
    public const string Assigned = "pipelines.kafka.partitions.assigned";
    public const string Revoked = "pipelines.kafka.partitions.revoked";
    public const string ReadAgain = "pipelines.kafka.records.read_again";
    public const string DuplicatesDropped = "pipelines.kafka.repartition.duplicates.dropped";
    public const string Sent = "pipelines.kafka.repartition.records.sent";
    public const string Received = "pipelines.kafka.repartition.records.received";
    public const string WatermarkLag = "pipelines.kafka.repartition.watermark.lag";
    public const string RestoreDuration = "pipelines.state.partition.restore.duration";
    public const string RestoreBytes = "pipelines.state.partition.restore.bytes";

    /// <summary>True for an instrument the panel aggregates.</summary>
    public static bool IsWanted(string meter, string instrument) => meter switch
    {
        KafkaMeter => instrument is Lag or CommittedOffset or RecordsRead or Assigned or Revoked or ReadAgain or Sent or Received or DuplicatesDropped or WatermarkLag,
        CoreMeter => instrument is RestoreDuration or RestoreBytes,
        _ => false,
    };
}
