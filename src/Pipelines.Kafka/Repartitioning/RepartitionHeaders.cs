using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// The wire format of a repartition topic. An element is a record whose key is the serialized key (Kafka's
/// partitioner hashes it to a partition) and whose value is the serialized element, with its event time in the
/// <see cref="EventTime"/> header (UTC ticks, big-endian), the writer's id in <see cref="Producer"/> (so an
/// element also tells readers that its writer is alive) and, when the path from the source carries origins, where
/// its input record was read in <see cref="Origin"/> (<see cref="OriginBytes"/>). A watermark record has no key and no value, and the
/// headers <see cref="Watermark"/> (UTC ticks, big-endian; <see cref="long.MaxValue"/>: the instance has stopped
/// for good), <see cref="Producer"/> (the id of the writing instance's run) and, while the writer's input is idle,
/// <see cref="Idle"/> (the writer holds no watermark back until its next element or watermark record).
/// </summary>
internal static class RepartitionHeaders
{
    public const string EventTime = "pipelines.ts";
    public const string Watermark = "pipelines.wm";
    public const string Producer = "pipelines.producer";
    public const string Idle = "pipelines.idle";
    public const string Origin = "pipelines.origin";

    /// <summary>The watermark a stopping instance publishes: it sends nothing more.</summary>
    public const long Done = long.MaxValue;

    public static byte[] Ticks(long ticks)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, ticks);
        return bytes;
    }

    private static readonly byte[] IdleFlag = [1];

    public static Headers ForWatermark(long watermark, byte[] producer, bool idle = false)
    {
        var headers = new Headers { { Watermark, Ticks(watermark) }, { Producer, producer } };
        if (idle) headers.Add(Idle, IdleFlag);
        return headers;
    }

    /// <summary>The headers of an element: its event time (when the stream has one) and its writer.</summary>
    public static Headers ForElement(long? eventTime, byte[] producer)
    {
        var headers = new Headers();
        if (eventTime is { } ticks) headers.Add(EventTime, Ticks(ticks));
        headers.Add(Producer, producer);
        return headers;
    }

    /// <summary>An element's origin: the input partition and offset it was read at, and its place among that record's elements (three big-endian 8-byte numbers).</summary>
    public static byte[] OriginBytes(ElementOrigin origin)
    {
        var bytes = new byte[24];
        BinaryPrimitives.WriteInt64BigEndian(bytes, origin.Partition);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), origin.Offset);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(16), origin.Index);
        return bytes;
    }

    /// <summary>An element's origin, when its writer sent one.</summary>
    public static bool TryReadOrigin(IReadOnlyList<KafkaHeader> headers, out ElementOrigin origin)
    {
        foreach (var header in headers)
        {
            if (header.Key == Origin && header.Value is { Length: 24 } bytes)
            {
                origin = new ElementOrigin(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8)))
                {
                    Index = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(16)),
                };
                return true;
            }
        }

        origin = default;
        return false;
    }

    public static byte[] ProducerId(string id) => Encoding.UTF8.GetBytes(id);

    /// <summary>Reads a watermark record's headers, with its idle flag; false for an element.</summary>
    public static bool TryReadWatermark(IReadOnlyList<KafkaHeader> headers, out long watermark, out string producer, out bool idle)
    {
        watermark = 0;
        producer = "";
        idle = false;
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
            else if (header.Key == Idle)
            {
                idle = true;
            }
        }

        return found;
    }

    /// <summary>The writer of an element, or null when the record names none.</summary>
    public static string? ReadProducer(IReadOnlyList<KafkaHeader> headers)
    {
        foreach (var header in headers)
        {
            if (header.Key == Producer && header.Value is { } id) return Encoding.UTF8.GetString(id);
        }

        return null;
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
