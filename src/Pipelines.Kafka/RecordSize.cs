using System.Text;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// The size librdkafka checks a record against <c>message.max.bytes</c> when it is produced: its key, value and
/// headers serialized, plus the most a record's framing takes (lengths, attributes, timestamp and offset deltas,
/// as varints at their widest). Taken at the widest, a record this says fits is never refused by the producer.
/// </summary>
internal static class RecordSize
{
    /// <summary>librdkafka's default <c>message.max.bytes</c>.</summary>
    public const int DefaultMessageMaxBytes = 1_000_000;

    /// <summary>A record's framing at its widest in the v2 format: length, attributes, timestamp delta, offset delta, key length, value length, header count.</summary>
    private const int Framing = 5 + 1 + 10 + 5 + 5 + 5 + 5;

    /// <summary>
    /// The element error of a record over <c>message.max.bytes</c>, saying <paramref name="how"/> it is over and what
    /// to do: the producer's limit and the topic's.
    /// </summary>
    public static KafkaException TooLarge(string topic, string how, Exception? cause = null)
    {
        var error = new Error(ErrorCode.MsgSizeTooLarge,
            $"The record for topic '{topic}' {how}: make it smaller, or raise MessageMaxBytes in KafkaSinkOptions.ProducerConfig (and the topic's max.message.bytes).");
        return cause is null ? new KafkaException(error) : new KafkaException(error, cause);
    }

    /// <summary>The serialized size of one part (key or value): the given serializer's bytes, or the client's built-in serializer's.</summary>
    public static long Of<TPart>(TPart part, ISerializer<TPart>? serializer, SerializationContext context)
    {
        if (serializer is not null) return serializer.Serialize(part, context)?.Length ?? 0;
        return part switch
        {
            null => 0,
            string s => Encoding.UTF8.GetByteCount(s),
            byte[] b => b.Length,
            int or float => 4,
            long or double => 8,
            _ => 0,
        };
    }

    /// <summary>The headers' size, with each name's and value's length at its widest, and the record's framing.</summary>
    public static long Of(Headers headers)
    {
        long size = Framing;
        foreach (var header in headers)
        {
            size += 5 + Encoding.UTF8.GetByteCount(header.Key) + 5 + (header.GetValueBytes()?.Length ?? 0);
        }

        return size;
    }
}
