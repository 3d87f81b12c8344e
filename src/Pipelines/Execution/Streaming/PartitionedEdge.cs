using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// An edge to a keyed stage with several workers: each element goes to the worker that owns its key; control
/// signals go to every worker. The workers of a batch's elements are computed in one loop first (the key selector
/// called from a local, the hash scaled to the workers without a division: <see cref="HashToWorker"/>), then the
/// elements are copied into their workers' buffers — from the producer's batch, or straight from a source's array
/// read in place (<see cref="OnSpan"/>), so those elements are copied once on their way to the workers; a producer's
/// batch of at least half a buffer whose elements all go to one worker goes to it whole (<see cref="TryHandOver"/>). A worker's
/// buffer is sent when full; a partial one is held (so each worker gets full batches, not a share of every input
/// batch) until a control signal goes out behind it or the producer is about to wait or a watermark interval has
/// passed (<see cref="PendingWrites.SendHeld"/>), so nothing lingers.
/// </summary>
internal sealed class PartitionedEdge<T> : IBatchTarget<T>, ISpanTarget<T>, IHoldsBatches
{
    private readonly PlanEdge<T> _edge;
    private readonly ChannelWriter<StageMessage>[] _workers;
    private readonly int _producer;
    private readonly BatchPool<T> _pool;
    private readonly PendingWrites _pending;
    private readonly Batch<T>?[] _buffers;
    private readonly Func<T, int>? _router;
    private readonly HashToWorker _toWorker;

    /// <summary>The fewest elements of a batch sent whole to one worker (<see cref="TryHandOver"/>): half a buffer.</summary>
    private int HandOverFrom => Math.Max(1, _pool.Capacity / 2);

    /// <summary>The worker of each element of the batch being routed.</summary>
    private int[] _targets = [];

    /// <summary>Listed in the producer's <see cref="PendingWrites"/> as holding partial batches, until it calls <see cref="SendHeld"/>.</summary>
    private bool _listed;

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
        _toWorker = new HashToWorker(workers.Length);
    }

    public void OnBatch(Batch<T> batch)
    {
        var values = new ReadOnlySpan<T>(batch.Values, 0, batch.Count);
        var targets = TargetsOf(values);
        if (TryHandOver(batch, targets)) return;
        Scatter(values, new ReadOnlySpan<long>(batch.Timestamps, 0, batch.Count), targets);
    }

    /// <summary>
    /// A batch of at least half a buffer whose elements all go to one worker that holds nothing back goes to it whole,
    /// as a channel edge sends it (<see cref="BatchPool{T}.Keep"/>: the producer's own buffer when this edge is its
    /// only reader), instead of element by element into that worker's buffer: the batches of a key that dominates the
    /// input (a global window keyed by a constant, a hot key) cross the exchange without a copy. Smaller batches still
    /// gather in the buffers, so a worker is not sent a message per small batch (a stage's results after each timer).
    /// A worker with elements held from earlier batches gets these after them, through its buffer, so the order of a
    /// producer's elements at a worker holds. A batch that carries its elements' origins goes through the buffers too,
    /// which carry none.
    /// </summary>
    private bool TryHandOver(Batch<T> batch, ReadOnlySpan<int> targets)
    {
        if (targets.Length < HandOverFrom || batch.HasOrigins) return false;
        int worker = targets[0];
        if (targets[1..].ContainsAnyExcept(worker) || _buffers[worker] is { Count: > 0 }) return false;
        _pending.Write(_workers[worker], StageMessage.ForBatch(_edge.Port, _producer, _pool.Keep(batch)));
        return true;
    }

    /// <summary>
    /// Elements read where they are (a source's storage, read a batch at a time, timed in place by
    /// <c>WithEventTime</c> or not timed): they are copied once, into their workers' buffers, instead of into a batch
    /// first and then again into the buffers.
    /// </summary>
    public void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps) => Scatter(values, timestamps, TargetsOf(values));

    /// <summary>The worker of each element.</summary>
    private ReadOnlySpan<int> TargetsOf(ReadOnlySpan<T> values)
    {
        int count = values.Length;
        if (_targets.Length < count) _targets = new int[Math.Max(count, _pool.Capacity)];
        var targets = new Span<int>(_targets, 0, count);
        try
        {
            if (_router is null) _edge.PartitionsOf(values, targets, _toWorker);
            else Route(values, targets, _router);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A key selector threw: element by element, the failing ones to worker 0.
            for (int i = 0; i < count; i++) targets[i] = WorkerOf(values[i], _workers.Length);
        }

        return targets;
    }

    private static void Route(ReadOnlySpan<T> values, Span<int> targets, Func<T, int> router)
    {
        for (int i = 0; i < values.Length; i++) targets[i] = router(values[i]);
    }

    /// <summary>Copies each element into the buffer of its worker, sending full buffers, then the partial ones.</summary>
    /// <remarks>
    /// Renting and sending are calls out of the loop (<see cref="RentBuffers"/>, <see cref="SendFull"/>): inlined
    /// into it, their code left the runtime too few registers, and it kept the loop's index and spans in memory,
    /// loaded and stored for every element.
    /// </remarks>
    private void Scatter(ReadOnlySpan<T> values, ReadOnlySpan<long> stamps, ReadOnlySpan<int> targets)
    {
        var buffers = _buffers;
        RentBuffers();
        for (int i = 0; i < targets.Length; i++)
        {
            int w = targets[i];
            var buffer = buffers[w]!;
            int n = buffer.Count;
            buffer.Values[n] = values[i];
            buffer.Timestamps[n] = stamps[i];
            buffer.Count = ++n;
            if (n == buffer.Capacity) SendFull(w);
        }

        if (!_listed)
        {
            _listed = true;
            _pending.Holding(this);
        }
    }

    /// <summary>Gives every worker without a buffer an empty one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RentBuffers()
    {
        var buffers = _buffers;
        for (int w = 0; w < buffers.Length; w++) buffers[w] ??= _pool.Rent();
    }

    /// <summary>Sends the full buffer of <paramref name="worker"/> and gives it an empty one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SendFull(int worker)
    {
        Send(worker);
        _buffers[worker] = _pool.Rent();
    }

    /// <summary>Sends the partial buffers (called by the producer's <see cref="PendingWrites"/>).</summary>
    public void SendHeld()
    {
        _listed = false;
        SendPartial();
    }

    /// <summary>Sends the partial buffers, before a control signal so that it comes after the elements before it.</summary>
    private void SendPartial()
    {
        var buffers = _buffers;
        for (int w = 0; w < buffers.Length; w++)
        {
            if (buffers[w] is { Count: > 0 }) Send(w);
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
        SendPartial();
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForWatermark(_producer, watermark));
    }

    public void OnIdle()
    {
        SendPartial();
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForIdle(_producer));
    }

    public void OnProcessingTime(long utcTicks) => SendPartial();

    public void OnBarrier(long checkpoint)
    {
        SendPartial();
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForBarrier(_producer, checkpoint));
    }

    public void OnHandover(Exchanges.PartitionHandover handover)
    {
        SendPartial();
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForHandover(_producer, handover));
    }

    public void OnEnd()
    {
        SendPartial();
        for (int w = 0; w < _workers.Length; w++) _pending.Write(_workers[w], StageMessage.ForEnd(_producer));
    }
}
