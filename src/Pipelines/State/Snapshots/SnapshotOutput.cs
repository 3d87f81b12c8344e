using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Pipelines.State.Snapshots;

/// <summary>
/// A growable byte buffer that snapshots are written into: little-endian fixed-width integers, UTF-8 strings with
/// a length, and values written by a serializer behind a length that is patched in afterwards (so a serializer
/// writes straight into the buffer, with no copy).
/// </summary>
internal sealed class SnapshotOutput : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _length;

    public SnapshotOutput(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>What has been written.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>What has been written, as memory (valid until the next write).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void Advance(int count)
    {
        if (count < 0 || _length + count > _buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int sizeHint)
    {
        int need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _length >= need) return;
        long grown = Math.Max((long)_buffer.Length * 2, (long)_length + need);
        if (grown > Array.MaxLength) grown = Math.Max(Array.MaxLength, _length + need);
        Array.Resize(ref _buffer, checked((int)grown));
    }

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        _length += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> span = GetSpan(4 + max);
        int count = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, count);
        _length += 4 + count;
    }

    /// <summary>Reserves a 32-bit slot to be filled later with <see cref="PatchInt32"/>; returns its position.</summary>
    public int ReserveInt32()
    {
        int at = _length;
        WriteInt32(0);
        return at;
    }

    /// <summary>Fills a slot reserved with <see cref="ReserveInt32"/>.</summary>
    public void PatchInt32(int at, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(at, 4), value);

    /// <summary>Writes a value with <paramref name="codec"/> behind its length in bytes.</summary>
    public void WriteValue<T>(StateCodec<T> codec, T value)
    {
        int at = ReserveInt32();
        codec.Write(this, value);
        PatchInt32(at, _length - at - 4);
    }

    /// <summary>Forgets everything written, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>A copy of what has been written.</summary>
    public byte[] ToArray() => Written.ToArray();
}
