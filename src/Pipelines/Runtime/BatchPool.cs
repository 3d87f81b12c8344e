using System.Collections.Concurrent;

namespace Pipelines.Runtime;

/// <summary>
/// The batches that outlive a call: the only place a batch is rented from a pool or given back to one.
/// </summary>
/// <remarks>
/// Who owns a batch:
/// <list type="bullet">
/// <item>An <see cref="Output{T}"/> owns its buffer, a batch of no pool. A batch handed to
/// <see cref="IBatchTarget{T}.OnBatch"/> is borrowed: the receiver reads it during the call and keeps nothing.</item>
/// <item>An edge that must keep a batch past the call (a channel edge: the receiving worker reads it later) gets
/// a pooled one here — <see cref="Keep"/> takes the output's own buffer when the edge is its only reader (the
/// output continues with a pooled replacement) or else copies it; <see cref="Rent"/> gives an empty one to fill
/// (a partitioned edge). From then on the batch belongs to the message that carries it.</item>
/// <item>Whoever consumes that message gives the batch back with <see cref="BatchPool.Return"/>: the receiving
/// worker once the operator has read it, or whoever drops an undelivered message when the run stops (a
/// producer's pending writes, a worker's channel).</item>
/// </list>
/// One pool serves one stage input port (element type and capacity), shared by every producer that feeds it.
/// </remarks>
internal sealed class BatchPool<T>(int capacity, int maxRetained)
{
    private readonly ConcurrentQueue<Batch<T>> _free = new();
    private int _retained;

    public int Capacity { get; } = capacity;

    /// <summary>An empty batch of this pool, to fill.</summary>
    public Batch<T> Rent()
    {
        if (_free.TryDequeue(out var batch))
        {
            Interlocked.Decrement(ref _retained);
            return batch;
        }

        return new Batch<T>(Capacity, this);
    }

    /// <summary>
    /// A pooled batch holding <paramref name="borrowed"/>'s elements, for a receiver that reads it later. When the
    /// caller is the batch's only reader and the batch is an output's buffer that fits this pool, the batch itself
    /// is taken (its output continues with a pooled replacement); otherwise the elements are copied.
    /// </summary>
    public Batch<T> Keep(Batch<T> borrowed)
    {
        if (borrowed.Exclusive && borrowed.Owner is { } owner && borrowed.Capacity == Capacity && (borrowed.Pool is null || borrowed.Pool == this))
        {
            owner.Adopt(Rent());
            borrowed.Owner = null;
            borrowed.Pool = this;
            return borrowed;
        }

        var copy = Rent();
        Array.Copy(borrowed.Values, copy.Values, borrowed.Count);
        Array.Copy(borrowed.Timestamps, copy.Timestamps, borrowed.Count);
        if (borrowed.HasOrigins) Array.Copy(borrowed.Origins!, copy.TrackOrigins(), borrowed.Count);
        copy.Count = borrowed.Count;
        return copy;
    }

    internal void Return(Batch<T> batch)
    {
        batch.Clear();
        batch.Owner = null;
        if (Interlocked.Increment(ref _retained) <= maxRetained)
        {
            _free.Enqueue(batch);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }
}

/// <summary>Gives back batches that travel untyped (as <see cref="object"/> in a channel message).</summary>
internal static class BatchPool
{
    /// <summary>Returns a batch that <see cref="BatchPool{T}"/> handed out to its pool, once its message has been consumed or dropped; null is ignored.</summary>
    public static void Return(object? batch) => (batch as IPooledBatch)?.ReturnToPool();
}
