namespace Pipelines.Kafka;

/// <summary>
/// Headers that the Kafka source adds to a record it copies to its dead-letter topic, after the record's own
/// headers. Values are UTF-8 text.
/// </summary>
public static class KafkaDeadLetterHeaders
{
    /// <summary>The topic the record was read from.</summary>
    public const string Topic = "pipelines.dlq.topic";

    /// <summary>Its partition.</summary>
    public const string Partition = "pipelines.dlq.partition";

    /// <summary>Its offset.</summary>
    public const string Offset = "pipelines.dlq.offset";

    /// <summary>Which part failed: <c>key</c> or <c>value</c>.</summary>
    public const string Component = "pipelines.dlq.component";

    /// <summary>The deserializer's exception: type and message.</summary>
    public const string Error = "pipelines.dlq.error";
}
