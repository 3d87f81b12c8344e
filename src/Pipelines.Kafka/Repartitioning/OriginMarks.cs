using System.Buffers.Binary;

namespace Pipelines.Kafka;

/// <summary>
/// What the reader of a repartition topic has taken from each input partition, per partition of the topic it owns:
/// the origin (offset, and place among the record's elements) of the newest element taken. Each writer sends a
/// partition's elements in their input order, so an element at or before the mark was taken already: the same record,
/// read again by the instance that now owns its input partition after the previous owner had written it (the
/// partition moved, or the previous owner crashed, before its offsets were committed). Such elements are dropped,
/// so each record counts once behind the exchange. The marks of an owned partition are stored with its keyed state
/// at each checkpoint's offset, and restored with it when the partition moves to another instance.
/// </summary>
/// <remarks>
/// Why the mark is enough: when two instances write the same input partition to one topic partition, each in input
/// order, an element is dropped only if an element of a later record was taken before it; the writer of that later
/// element wrote this record's elements before it, and they were taken unless something later still had been taken
/// first, which leads back to the first element taken past this record, whose own writer's copy of this record came
/// before it and was taken. Not thread-safe: the reader's thread uses it.
/// </remarks>
internal sealed class OriginMarks
{
    private readonly Dictionary<int, Dictionary<int, (long Offset, int Ordinal)>> _partitions = [];

    /// <summary>
    /// True when the element from <paramref name="origin"/> (the <paramref name="ordinal"/>th of its record) read from
    /// <paramref name="partition"/> is new, and takes it; false when one at or after it was taken (a duplicate).
    /// </summary>
    public bool Take(int partition, ElementOrigin origin, int ordinal)
    {
        if (!_partitions.TryGetValue(partition, out var marks))
        {
            marks = [];
            _partitions.Add(partition, marks);
        }

        if (marks.TryGetValue(origin.Partition, out var mark) && (origin.Offset < mark.Offset || (origin.Offset == mark.Offset && ordinal <= mark.Ordinal)))
        {
            return false;
        }

        marks[origin.Partition] = (origin.Offset, ordinal);
        return true;
    }

    /// <summary>The partition went to another instance, or is assigned afresh: what it knew is no longer this reader's.</summary>
    public void Forget(int partition) => _partitions.Remove(partition);

    /// <summary>The marks of <paramref name="partition"/> as bytes, or null when it has none.</summary>
    public byte[]? Capture(int partition)
    {
        if (!_partitions.TryGetValue(partition, out var marks) || marks.Count == 0) return null;
        var bytes = new byte[4 + (marks.Count * 16)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, marks.Count);
        int at = 4;
        foreach (var (input, (offset, ordinal)) in marks)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), input);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at + 4), offset);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at + 12), ordinal);
            at += 16;
        }

        return bytes;
    }

    /// <summary>Replaces the marks of <paramref name="partition"/> with ones <see cref="Capture"/> wrote (null: none).</summary>
    public void Restore(int partition, byte[]? bytes)
    {
        _partitions.Remove(partition);
        if (bytes is null) return;
        if (bytes.Length < 4 || bytes.Length != 4 + (BinaryPrimitives.ReadInt32BigEndian(bytes) * 16))
        {
            throw new InvalidDataException($"The stored origins of repartition partition {partition} are damaged ({bytes.Length} bytes).");
        }

        var marks = new Dictionary<int, (long, int)>();
        for (int at = 4; at < bytes.Length; at += 16)
        {
            marks[BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at))] = (BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at + 4)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 12)));
        }

        _partitions[partition] = marks;
    }
}
