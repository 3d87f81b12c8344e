using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>Log messages of repartition topics (source-generated).</summary>
internal static partial class RepartitionLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Repartition topic {Topic}: created with {Partitions} partitions")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Repartition topic {Topic} has {Partitions} partitions, not the {Wanted} wanted; it keeps its count")]
    public static partial void PartitionCountDiffers(ILogger logger, string topic, int partitions, int wanted);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Repartition topic {Topic}: creating it failed ({Reason}); using it if the broker created it on first use")]
    public static partial void CreateRefused(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Repartition topic {Topic}: instance {Producer} stopped publishing to partition {Partition}; it no longer holds the watermark back ({Why})")]
    public static partial void ProducerGone(ILogger logger, string topic, string producer, int partition, string why);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "Repartition topic {Topic}: partitions {Partitions} were revoked while a checkpoint was in flight, and it did not complete within {Seconds} s; the exactly-once sink {Sink} fails the run if that checkpoint is aborted, else the partitions' next owner may start before it (and emit again what it commits)")]
    public static partial void RevokedBeforeCheckpoint(ILogger logger, string topic, string sink, string partitions, double seconds);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "Repartition topic {Topic}: partitions moved whose last checkpoint offsets {Offsets} the group refused ({Reason}) after the exactly-once sink {Sink} committed them in its transaction. A broker stores a transaction's offsets with it, so their next owner starts after them; a broker that ignores offsets sent to transactions (librdkafka's mock cluster) has it start at the previous commit and commit those results again")]
    public static partial void TransactionOffsetsRefused(ILogger logger, string topic, string offsets, string reason, string sink);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Repartition topic {Topic}: delivery failed: {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string topic, string reason);
}
