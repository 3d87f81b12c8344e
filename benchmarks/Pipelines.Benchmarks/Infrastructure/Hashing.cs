using System.Runtime.CompilerServices;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// Deterministic 64-bit mixing for output checksums (HashCode is seeded per process, so its values could not be
/// compared across runs or printed in a report).
/// </summary>
internal static class Hashing
{
    /// <summary>The SplitMix64 finalizer: a bijective, well-distributed mix of one word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Combine(ulong a, ulong b) => Mix(a * 0x9E3779B97F4A7C15UL + b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Combine(ulong a, ulong b, ulong c) => Combine(Combine(a, b), c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Combine(ulong a, ulong b, ulong c, ulong d) => Combine(Combine(Combine(a, b), c), d);

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes, unlike string.GetHashCode.</summary>
    public static ulong Of(string? s)
    {
        if (s is null) return 0;
        ulong h = 14695981039346656037UL;
        foreach (char ch in s)
        {
            h ^= ch;
            h *= 1099511628211UL;
        }

        return h;
    }
}
