using System.Text;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// A record whose key or value could not be deserialized, as the Kafka source reports it to the run
/// (<see cref="SourceContext.ReportBadRecord"/>): under <see cref="ErrorPolicy.DeadLetter"/> it reaches the
/// dead-letter sink in <see cref="DeadLetter.Element"/>, with a <see cref="KafkaDeserializationException"/> as
/// <see cref="DeadLetter.Exception"/>; under <see cref="ErrorPolicy.Fail"/> the run's error names it. Its bytes are
/// as they were in the topic.
/// </summary>
/// <param name="Topic">The record's topic.</param>
/// <param name="Partition">Its partition.</param>
/// <param name="Offset">Its offset.</param>
/// <param name="Key">The key's bytes (null for a null key).</param>
/// <param name="Value">The value's bytes (null for a tombstone).</param>
/// <param name="Timestamp">The record's timestamp.</param>
/// <param name="Headers">Its headers.</param>
/// <param name="Component">Which part could not be deserialized.</param>
public sealed record MalformedKafkaRecord(
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[]? Value,
    DateTimeOffset Timestamp,
    IReadOnlyList<KafkaHeader> Headers,
    MessageComponentType Component)
{
    private const int PreviewBytes = 200;

    /// <summary>
    /// The part that failed, as UTF-8 text (its first 200 bytes): an error naming this element gives the location
    /// once, in its <see cref="KafkaDeserializationException"/>.
    /// </summary>
    public override string ToString()
    {
        var bytes = Component == MessageComponentType.Key ? Key : Value;
        if (bytes is null) return "null";
        return bytes.Length <= PreviewBytes ? Encoding.UTF8.GetString(bytes) : Encoding.UTF8.GetString(bytes, 0, PreviewBytes) + "…";
    }
}
