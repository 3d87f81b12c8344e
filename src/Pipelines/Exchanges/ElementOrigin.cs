namespace Pipelines;

/// <summary>
/// Where in its source an element was read: the source's partition and the record's offset in it, and the element's
/// place among the elements that record produced (<see cref="Index"/>). An exchange that receives origins
/// (<see cref="Sink{T}.ReceivesOrigins"/>) sends them with the elements, so that the instance reading the exchange
/// drops an element it already has when a record is read twice (its partition moved to another instance, or an
/// instance crashed, after reading past its last commit). Offsets only grow within a partition; every instance reading
/// the same source numbers its partitions the same way.
/// </summary>
/// <param name="Partition">The source's partition, numbered the same in every instance (a Kafka source of one topic: the partition; of several: a hash of the topic's name with the partition; a source whose elements meet another source's in a union before the exchange: that number mixed with the source's place in the graph).</param>
/// <param name="Offset">The record's offset in <paramref name="Partition"/>.</param>
public readonly record struct ElementOrigin(long Partition, long Offset)
{
    /// <summary>How many items one element may give a <c>SelectMany</c> after another <c>SelectMany</c> and keep distinct places.</summary>
    internal const long ItemsPerLevel = 1 << 20;

    /// <summary>An element whose origin cannot be told apart from another's: sent without one, it is never dropped.</summary>
    public static ElementOrigin None { get; } = new(-1, -1);

    /// <summary>
    /// The element's place among the elements its record produced, in their order, the same in every instance that
    /// reads the record: 0 for an element that stands for its record; the k-th item (counting from 0) a
    /// <c>SelectMany</c> made of it gets k + 1, and after another <c>SelectMany</c> its parent's place times 1,048,576
    /// plus k + 1.
    /// </summary>
    public long Index { get; init; }

    /// <summary>True unless this is <see cref="None"/>.</summary>
    public bool IsKnown => Partition >= 0;

    /// <summary>A non-zero number for the source node <paramref name="nodeId"/> to mix its partitions with (<see cref="Salted"/>).</summary>
    internal static long SaltFor(int nodeId) => Mix((ulong)nodeId + 1, 0x5851F42D4C957F2DUL) | 1;

    /// <summary>
    /// This origin with its partition mixed with <paramref name="salt"/>: sources whose elements meet in a union
    /// number their partitions apart, still the same in every instance. Unknown origins stay unknown.
    /// </summary>
    internal ElementOrigin Salted(long salt) => IsKnown ? this with { Partition = Mix((ulong)Partition, (ulong)salt) } : this;

    /// <summary>A 63-bit mix of two numbers (SplitMix64's finaliser), never negative.</summary>
    private static long Mix(ulong value, ulong salt)
    {
        ulong h = (value * 0x9E3779B97F4A7C15UL) ^ salt;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        h *= 0x94D049BB133111EBUL;
        h ^= h >> 32;
        return (long)(h & long.MaxValue);
    }

    /// <summary>
    /// The origin of the <paramref name="item"/>-th item a <c>SelectMany</c> made of an element from here; <see cref="None"/>
    /// when a nested <c>SelectMany</c> gives one element more items than its place can tell apart.
    /// </summary>
    internal ElementOrigin Item(long item)
    {
        if (!IsKnown) return None;
        if (Index == 0) return this with { Index = item + 1 };
        return item + 1 >= ItemsPerLevel || Index > (long.MaxValue - ItemsPerLevel) / ItemsPerLevel ? None : this with { Index = (Index * ItemsPerLevel) + item + 1 };
    }
}
