using System.Buffers.Binary;
using System.Text;

namespace Pipelines.State.Snapshots;

/// <summary>
/// Reads what <see cref="SnapshotOutput"/> wrote. Every read checks the bounds: a truncated or damaged snapshot
/// fails with a <see cref="SnapshotFormatException"/>, never with an index error or a huge allocation.
/// </summary>
internal sealed class SnapshotInput(ReadOnlyMemory<byte> data)
{
    private int _position;

    /// <summary>The read position.</summary>
    public int Position
    {
        get => _position;
        set
        {
            if ((uint)value > (uint)data.Length) throw new SnapshotFormatException($"Position {value} is outside the snapshot ({data.Length} bytes).");
            _position = value;
        }
    }

    /// <summary>Bytes left to read.</summary>
    public int Remaining => data.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining) throw new SnapshotFormatException($"The snapshot ends early: {count} bytes wanted at {_position}, {Remaining} left.");
        var span = data.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>A count of items that each take at least <paramref name="minBytesEach"/> bytes: checked against what is left.</summary>
    public int ReadCount(int minBytesEach = 1)
    {
        int count = ReadInt32();
        if (count < 0 || (long)count * Math.Max(1, minBytesEach) > Remaining) throw new SnapshotFormatException($"Count {count} at {_position - 4} does not fit in the {Remaining} bytes left.");
        return count;
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public string ReadString() => Encoding.UTF8.GetString(Take(ReadCount()));

    /// <summary>Reads a value written by <see cref="SnapshotOutput.WriteValue{T}"/>; the codec must consume exactly its bytes.</summary>
    public T ReadValue<T>(StateCodec<T> codec)
    {
        int length = ReadCount();
        int end = _position + length;
        var inner = new SnapshotInput(data.Slice(_position, length));
        T value = codec.Read(inner);
        if (inner.Remaining != 0) throw new SnapshotFormatException($"A value at {_position} has {inner.Remaining} bytes its serializer did not read.");
        _position = end;
        return value;
    }

    /// <summary>The bytes of a value written by <see cref="SnapshotOutput.WriteValue{T}"/>, without reading it.</summary>
    public ReadOnlyMemory<byte> ReadValueBytes()
    {
        int length = ReadCount();
        var slice = data.Slice(_position, length);
        _position += length;
        return slice;
    }

    /// <summary>A reader over the next <paramref name="length"/> bytes, which this one skips.</summary>
    public SnapshotInput Slice(int length)
    {
        if (length < 0 || length > Remaining) throw new SnapshotFormatException($"A section of {length} bytes at {_position} runs past the end ({Remaining} left).");
        var inner = new SnapshotInput(data.Slice(_position, length));
        _position += length;
        return inner;
    }

    /// <summary>The span of the next <paramref name="length"/> bytes without moving.</summary>
    public ReadOnlyMemory<byte> Peek(int at, int length)
    {
        if (at < 0 || length < 0 || (long)at + length > data.Length) throw new SnapshotFormatException($"A section of {length} bytes at {at} runs past the end ({data.Length} bytes).");
        return data.Slice(at, length);
    }
}
