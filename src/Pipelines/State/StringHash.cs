using System.Numerics;
using System.Runtime.InteropServices;

namespace Pipelines.State;

/// <summary>The fast ordinal string hash; not generic, so shared generic code calls it without a lookup of its type.</summary>
internal static class StringHash
{
    /// <summary>
    /// The hash <see cref="Dictionary{TKey, TValue}"/> gives ordinal strings until they collide: two interleaved
    /// djb2-style lanes over pairs of characters. The same in every process; not randomized, so not safe against
    /// chosen keys on its own (a key table falls back to the randomized hash when a probe sequence grows long).
    /// </summary>
    public static int Fast(string s)
    {
        ReadOnlySpan<uint> pairs = MemoryMarshal.Cast<char, uint>(s.AsSpan());
        uint hash1 = (5381 << 16) + 5381;
        uint hash2 = hash1;
        int i = 0;
        for (; i + 1 < pairs.Length; i += 2)
        {
            hash1 = (BitOperations.RotateLeft(hash1, 5) + hash1) ^ pairs[i];
            hash2 = (BitOperations.RotateLeft(hash2, 5) + hash2) ^ pairs[i + 1];
        }

        if (i < pairs.Length) hash1 = (BitOperations.RotateLeft(hash1, 5) + hash1) ^ pairs[i];
        if ((s.Length & 1) != 0) hash2 = (BitOperations.RotateLeft(hash2, 5) + hash2) ^ s[^1];
        return (int)(hash1 + (hash2 * 1566083941));
    }
}
