using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// The wire format of a repartition topic. An element is a record whose key is the serialized key (Kafka's
/// partitioner hashes it to a partition) and whose value is the serialized element, with its event time in the
/// <see cref="EventTime"/> header (UTC ticks, big-endian). A watermark record has no key and no value, and the
/// headers <see cref="Watermark"/> (UTC ticks, big-endian; <see cref="long.MaxValue"/>: the instance has stopped
/// for good) and <see cref="Producer"/> (the id of the writing instance's run).
/// </summary>
internal static class RepartitionHeaders
{
    public const string EventTime = "pipelines.ts";
    public const string Watermark = "pipelines.wm";
    public const string Producer = "pipelines.producer";

    /// <summary>The watermark a stopping instance publishes: it sends nothing more.</summary>
    public const long Done = long.MaxValue;

    public static byte[] Ticks(long ticks)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, ticks);
        return bytes;
    }

    public static Headers ForWatermark(long watermark, byte[] producer) =>
        new() { { Watermark, Ticks(watermark) }, { Producer, producer } };

    public static byte[] ProducerId(string id) => Encoding.UTF8.GetBytes(id);

    /// <summary>Reads a watermark record's headers; false for an element.</summary>
    public static bool TryReadWatermark(IReadOnlyList<KafkaHeader> headers, out long watermark, out string producer)
    {
        watermark = 0;
        producer = "";
        bool found = false;
        foreach (var header in headers)
        {
            if (header.Key == Watermark && header.Value is { Length: 8 } wm)
            {
                watermark = BinaryPrimitives.ReadInt64BigEndian(wm);
                found = true;
            }
            else if (header.Key == Producer && header.Value is { } id)
            {
                producer = Encoding.UTF8.GetString(id);
            }
        }

        return found;
    }

    /// <summary>An element's event time, or null when the record carries none.</summary>
    public static long? ReadEventTime(IReadOnlyList<KafkaHeader> headers)
    {
        foreach (var header in headers)
        {
            if (header.Key == EventTime && header.Value is { Length: 8 } ts) return BinaryPrimitives.ReadInt64BigEndian(ts);
        }

        return null;
    }
}
