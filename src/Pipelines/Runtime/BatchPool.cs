using System.Collections.Concurrent;

namespace Pipelines.Runtime;

/// <summary>Recycles batches of one element type and capacity between a producer and its consumers.</summary>
internal sealed class BatchPool<T>(int capacity, int maxRetained)
{
    private readonly ConcurrentQueue<Batch<T>> _free = new();
    private int _retained;

    public int Capacity { get; } = capacity;

    public Batch<T> Rent()
    {
        if (_free.TryDequeue(out var batch))
        {
            Interlocked.Decrement(ref _retained);
            return batch;
        }

        return new Batch<T>(Capacity, this);
    }

    public void Return(Batch<T> batch)
    {
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
