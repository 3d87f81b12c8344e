using System.Threading.Channels;
using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// An edge to a keyed stage with several workers: each element goes to the worker that owns its key; control
/// signals go to every worker. Partial batches are sent at the end of each input batch, so nothing lingers.
/// </summary>
internal sealed class PartitionedEdge<T> : IBatchTarget<T>
{
    private readonly PlanEdge<T> _edge;
    private readonly ChannelWriter<StageMessage>[] _workers;
    private readonly int _producer;
    private readonly BatchPool<T> _pool;
    private readonly PendingWrites _pending;
    private readonly Batch<T>?[] _buffers;
    private readonly Func<T, int>? _router;

    /// <param name="edge">The edge of the plan: its port and key-to-worker rule.</param>
    /// <param name="workers">The channels of the stage's workers.</param>
    /// <param name="producer">This producer's input index at every worker.</param>
    /// <param name="pool">The port's batches.</param>
    /// <param name="pending">The producer's writes that did not fit.</param>
    /// <param name="router">The key-group rule when checkpoints store state (<see cref="PlanEdge{T}.KeyGroupRouter"/>); null: the port's hash rule.</param>
    public PartitionedEdge(PlanEdge<T> edge, ChannelWriter<StageMessage>[] workers, int producer, BatchPool<T> pool, PendingWrites pending, Func<T, int>? router = null)
    {
        _router = router;
        _edge = edge;
        _workers = workers;
        _producer = producer;
        _pool = pool;
        _pending = pending;
        _buffers = new Batch<T>?[workers.Length];
    }

    public void OnBatch(Batch<T> batch)
    {
        int workers = _workers.Length;
        T[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        for (int i = 0; i < batch.Count; i++)
        {
            T value = values[i];
            int w = WorkerOf(value, workers);
            var buffer = _buffers[w] ??= _pool.Rent();
            buffer.Values[buffer.Count] = value;
            buffer.Timestamps[buffer.Count] = stamps[i];
            if (++buffer.Count == buffer.Capacity) Send(w);
        }

        for (int w = 0; w < workers; w++)
        {
            if (_buffers[w] is not null) Send(w);
        }
    }

    /// <summary>
    /// The key's worker. When the key selector throws, the element goes to worker 0, whose operator evaluates the
    /// key again and applies its own error policy there, so a failing key is handled like any other user error.
    /// </summary>
    private int WorkerOf(T value, int workers)
    {
        try
        {
            return _router is null ? _edge.PartitionOf(value, workers) : _router(value);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0;
        }
    }

    private void Send(int worker)
    {
        var buffer = _buffers[worker]!;
        _buffers[worker] = null;
        _pending.Write(_workers[worker], StageMessage.ForBatch(_edge.Port, _producer, buffer));
    }

    public void OnWatermark(long watermark)
    {
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForWatermark(_producer, watermark));
    }

    public void OnIdle()
    {
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForIdle(_producer));
    }

    public void OnProcessingTime(long utcTicks)
    {
    }

    public void OnBarrier(long checkpoint)
    {
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForBarrier(_producer, checkpoint));
    }

    public void OnHandover(Exchanges.PartitionHandover handover)
    {
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForHandover(_producer, handover));
    }

    public void OnEnd()
    {
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForEnd(_producer));
    }
}
