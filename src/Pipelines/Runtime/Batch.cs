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
    /// reader takes the batch instead of copying it: it first gives the owner a replacement buffer
    /// (<see cref="Output{T}.Adopt"/>), then publishes the batch, which returns to the edge's pool after use.
    /// </summary>
    public Output<T>? Owner;

    /// <summary>Where <see cref="Return"/> puts the batch; null for batches owned by one output.</summary>
    public BatchPool<T>? Pool;

    public Batch(int capacity, BatchPool<T>? pool = null)
    {
        Values = new T[capacity];
        Timestamps = new long[capacity];
        Pool = pool;
    }

    public int Capacity => Values.Length;

    public int Size => Count;

    public int Free => Values.Length - Count;

    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) Array.Clear(Values, 0, Count);
        Count = 0;
    }

    /// <summary>Gives a pooled batch back once its receiver is done with it.</summary>
    public void Return()
    {
        Clear();
        Owner = null;
        Pool?.Return(this);
    }
}

/// <summary>A batch travelling through a channel as <see cref="object"/>; the receiver returns it to its pool.</summary>
internal interface IPooledBatch
{
    /// <summary>How many elements the batch holds.</summary>
    int Size { get; }

    void Return();
}
