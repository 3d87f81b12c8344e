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
/// before it and was taken. (The old owner's copies of records before the commit the new owner resumes from were
/// delivered before that commit, so before any copy of the new owner.) Thread-safe: the reader's thread takes
/// elements while the consumer's rebalance callbacks and checkpoint barriers forget, restore and capture partitions.
/// </remarks>
internal sealed class OriginMarks
{
    private const int EntryBytes = 24;
    private readonly Dictionary<int, Dictionary<long, (long Offset, long Index)>> _partitions = [];

    // The reader's thread takes elements; the consumer's rebalance callbacks (during a pending wait) forget and
    // restore partitions while a checkpoint barrier may capture them.
    private readonly Lock _lock = new();

    /// <summary>
    /// True when the element from <paramref name="origin"/> read from <paramref name="partition"/> is new, and takes
    /// it; false when one at or after it was taken (a duplicate).
    /// </summary>
    public bool Take(int partition, ElementOrigin origin)
    {
        lock (_lock)
        {
            if (!_partitions.TryGetValue(partition, out var marks))
            {
                marks = [];
                _partitions.Add(partition, marks);
            }

            if (marks.TryGetValue(origin.Partition, out var mark) && (origin.Offset < mark.Offset || (origin.Offset == mark.Offset && origin.Index <= mark.Index)))
            {
                return false;
            }

            marks[origin.Partition] = (origin.Offset, origin.Index);
            return true;
        }
    }

    /// <summary>The partition went to another instance, or is assigned afresh: what it knew is no longer this reader's.</summary>
    public void Forget(int partition)
    {
        lock (_lock) _partitions.Remove(partition);
    }

    /// <summary>The marks of <paramref name="partition"/> as bytes, or null when it has none.</summary>
    public byte[]? Capture(int partition)
    {
        lock (_lock)
        {
            if (!_partitions.TryGetValue(partition, out var marks) || marks.Count == 0) return null;
            var bytes = new byte[4 + (marks.Count * EntryBytes)];
            BinaryPrimitives.WriteInt32BigEndian(bytes, marks.Count);
            int at = 4;
            foreach (var (input, (offset, index)) in marks)
            {
                BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at), input);
                BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at + 8), offset);
                BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at + 16), index);
                at += EntryBytes;
            }

            return bytes;
        }
    }

    /// <summary>Replaces the marks of <paramref name="partition"/> with ones <see cref="Capture"/> wrote (null: none).</summary>
    public void Restore(int partition, byte[]? bytes)
    {
        Dictionary<long, (long, long)>? marks = null;
        if (bytes is not null)
        {
            if (bytes.Length < 4 || bytes.Length != 4 + ((long)BinaryPrimitives.ReadInt32BigEndian(bytes) * EntryBytes))
            {
                throw new InvalidDataException($"The stored origins of repartition partition {partition} are damaged ({bytes.Length} bytes).");
            }

            marks = [];
            for (int at = 4; at < bytes.Length; at += EntryBytes)
            {
                marks[BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at))] = (BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at + 8)), BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at + 16)));
            }
        }

        lock (_lock)
        {
            _partitions.Remove(partition);
            if (marks is not null) _partitions[partition] = marks;
        }
    }
}
