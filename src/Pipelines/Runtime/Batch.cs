using System.Runtime.CompilerServices;

namespace Pipelines.Runtime;

/// <summary>
/// The unit that crosses every operator boundary: parallel arrays of values and event times. A batch handed to
/// <see cref="IBatchTarget{T}.OnBatch"/> is borrowed: the receiver reads it during the call and never keeps it.
/// </summary>
internal sealed class Batch<T> : IPooledBatch
{
    public readonly T[] Values;
    public readonly long[] Timestamps;
    public int Count;

    /// <summary>
    /// Set by the sender when the receiver is the batch's only reader: it may then change the batch in place and
    /// pass it on (event-time assignment, filtering) instead of copying it.
    /// </summary>
    public bool Exclusive;

    /// <summary>
    /// The output whose buffer this batch is, while that output sends it. A channel edge that is the batch's only
    /// reader takes the batch instead of copying it (<see cref="BatchPool{T}.Keep"/>): the owner continues with a
    /// replacement buffer (<see cref="Output{T}.Adopt"/>), and the batch returns to the edge's pool after use.
    /// </summary>
    public Output<T>? Owner;

    /// <summary>The pool the batch goes back to (<see cref="BatchPool.Return"/>); null for a batch owned by one output.</summary>
    public BatchPool<T>? Pool;

    public Batch(int capacity, BatchPool<T>? pool = null)
    {
        Values = new T[capacity];
        Timestamps = new long[capacity];
        Pool = pool;
    }

    /// <summary>
    /// Where each element was read (<see cref="ElementOrigin"/>), for an exchange that drops elements read twice;
    /// valid for the first <see cref="Count"/> elements while <see cref="HasOrigins"/>. Allocated on first use: only
    /// batches on the way from a source that provides origins to such an exchange carry them.
    /// </summary>
    public ElementOrigin[]? Origins;

    /// <summary>True when <see cref="Origins"/> holds the origins of this batch's elements.</summary>
    public bool HasOrigins;

    public int Capacity => Values.Length;

    /// <summary>The origins column, allocated when missing, marked as holding this batch's origins.</summary>
    public ElementOrigin[] TrackOrigins()
    {
        HasOrigins = true;
        return Origins ??= new ElementOrigin[Values.Length];
    }

    public int Size => Count;

    public int Free => Values.Length - Count;

    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) Array.Clear(Values, 0, Count);
        Count = 0;
        HasOrigins = false;
    }

    void IPooledBatch.ReturnToPool()
    {
        if (Pool is { } pool)
        {
            pool.Return(this);
            return;
        }

        Clear();
        Owner = null;
    }
}

/// <summary>A batch travelling through a channel as <see cref="object"/>; given back through <see cref="BatchPool.Return"/>.</summary>
internal interface IPooledBatch
{
    /// <summary>How many elements the batch holds.</summary>
    int Size { get; }

    /// <summary>Only <see cref="BatchPool.Return"/> calls this.</summary>
    void ReturnToPool();
}
