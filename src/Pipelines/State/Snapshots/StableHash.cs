using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pipelines.State.Snapshots;

/// <summary>
/// A hash of a key that is the same in every process, on every machine and in every .NET version (unlike
/// <see cref="string.GetHashCode()"/>, randomized per process, or a record's combined member hashes): it decides
/// the key group a key's state is stored under, so it must not change between the run that wrote a checkpoint and
/// the run that restores it. Integers, strings, GUIDs and times are hashed from their value without allocating;
/// any other type from the bytes its state codec writes (see <see cref="KeyHasher{TKey}"/>).
/// </summary>
internal static class StableHash
{
    /// <summary>The hash of the common key types, or false for a type that is hashed from its serialized bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryHash<TKey>(TKey key, out uint hash)
    {
        if (typeof(TKey) == typeof(int)) hash = Mix32((uint)Unsafe.As<TKey, int>(ref key));
        else if (typeof(TKey) == typeof(long)) hash = Mix64((ulong)Unsafe.As<TKey, long>(ref key));
        else if (typeof(TKey) == typeof(uint)) hash = Mix32(Unsafe.As<TKey, uint>(ref key));
        else if (typeof(TKey) == typeof(ulong)) hash = Mix64(Unsafe.As<TKey, ulong>(ref key));
        else if (typeof(TKey) == typeof(short)) hash = Mix32((uint)Unsafe.As<TKey, short>(ref key));
        else if (typeof(TKey) == typeof(byte)) hash = Mix32(Unsafe.As<TKey, byte>(ref key));
        else if (typeof(TKey) == typeof(char)) hash = Mix32(Unsafe.As<TKey, char>(ref key));
        else if (typeof(TKey) == typeof(bool)) hash = Mix32(Unsafe.As<TKey, bool>(ref key) ? 1u : 0u);
        else if (typeof(TKey) == typeof(Guid)) hash = Bytes(MemoryMarshal.AsBytes(new ReadOnlySpan<Guid>(in Unsafe.As<TKey, Guid>(ref key))));
        else if (typeof(TKey) == typeof(DateTime)) hash = Mix64((ulong)Unsafe.As<TKey, DateTime>(ref key).Ticks);
        else if (typeof(TKey) == typeof(DateTimeOffset)) hash = Mix64((ulong)Unsafe.As<TKey, DateTimeOffset>(ref key).UtcTicks);
        else if (typeof(TKey) == typeof(TimeSpan)) hash = Mix64((ulong)Unsafe.As<TKey, TimeSpan>(ref key).Ticks);
        else if (key is string text) hash = String(text);
        else
        {
            hash = 0;
            return false;
        }

        return true;
    }

    /// <summary>The hash of a string's UTF-16 code units (ordinal: equal strings hash equal).</summary>
    public static uint String(string text) => Bytes(MemoryMarshal.AsBytes(text.AsSpan()));

    /// <summary>MurmurHash3 (x86, 32-bit, seed 0) of <paramref name="data"/>.</summary>
    public static uint Bytes(ReadOnlySpan<byte> data)
    {
        const uint c1 = 0xcc9e2d51, c2 = 0x1b873593;
        uint h = 0;
        int blocks = data.Length / 4;
        var words = MemoryMarshal.Cast<byte, uint>(data[..(blocks * 4)]);
        foreach (uint word in words)
        {
            uint k = BitConverter.IsLittleEndian ? word : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(word);
            k *= c1;
            k = uint.RotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = uint.RotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }

        var tail = data[(blocks * 4)..];
        uint t = 0;
        switch (tail.Length)
        {
            case 3:
                t ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                t ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                t ^= tail[0];
                t *= c1;
                t = uint.RotateLeft(t, 15);
                t *= c2;
                h ^= t;
                break;
        }

        h ^= (uint)data.Length;
        return Mix32(h);
    }

    /// <summary>MurmurHash3's 32-bit finalizer: every input bit affects every output bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Mix32(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    /// <summary>MurmurHash3's 64-bit finalizer, folded to 32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Mix64(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return (uint)h ^ (uint)(h >> 32);
    }
}
