using System.Buffers;
using System.Runtime.CompilerServices;
using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Hands batches to a <see cref="SinkWriter{T}"/>: through its synchronous <see cref="SinkWriter{T}.TryWrite"/>
/// without a copy when it can, otherwise as a pooled copy to <see cref="SinkWriter{T}.WriteAsync"/>. A write that
/// is still running when the next batch comes queues it, and the executor awaits <see cref="DrainAsync"/>
/// before it reads more input — that wait is the backpressure.
/// </summary>
internal sealed class SinkOperator<T>(
    SinkWriter<T> writer,
    string sinkName,
    OperatorContext context,
    IBarrierAcknowledger? checkpoints,
    CancellationToken runToken,
    bool origins = false) : StageOperator, Checkpoints.ICommittingSink, IStageSpanInput<T>
{
    public string Name => sinkName;

    public async ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        try
        {
            await writer.CommitCheckpointAsync(checkpointId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
        }
    }

    public async ValueTask AbortCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        try
        {
            await writer.AbortCheckpointAsync(checkpointId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
        }
    }

    public async ValueTask RecoverAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
    {
        try
        {
            await writer.StartCheckpointsAsync(context, cancellationToken).ConfigureAwait(false);
            _partitions = context.ResultsCarryPartitions && writer.AcceptsStatePartitions;
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
        }
    }

    /// <summary>Whether a writer's exception is the run's cancellation (passed on as it is) rather than the sink's failure.</summary>
    private bool IsRunCancellation(Exception ex) => context.Errors.IsRunCancellation(ex);

    /// <summary>Whether a writer's exception is the cancellation of the run or of the call it was given <paramref name="token"/> for.</summary>
    private bool IsCancellation(Exception ex, CancellationToken token) => (ex is OperationCanceledException && token.IsCancellationRequested) || IsRunCancellation(ex);

    /// <summary>How long disposing waits for a write still running when the run stopped (a writer that ignores its token).</summary>
    private static readonly TimeSpan AbandonAfter = TimeSpan.FromSeconds(1);

    private readonly EventTimeSinkWriter<T>? _timed = writer as EventTimeSinkWriter<T>;
    private long[] _utcTicks = [];
    private long _barrier;
    private readonly Queue<(T[] Items, int Count)> _queue = new();
    private ValueTask _pending;
    private T[]? _pendingItems;
    private int _pendingCount;
    private int _pendingFrom;
    private bool _ended;
    private bool _completed;
    private bool _finalPassed;

    /// <summary>The writer takes each result with the partition of the moving state that produced it (<see cref="SinkWriter{T}.AcceptsStatePartitions"/>).</summary>
    private bool _partitions;
    private int[] _partitionOf = [];

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<T>)batch;
        if (b.Count == 0) return;
        Write(
            new ReadOnlySpan<T>(b.Values, 0, b.Count),
            new ReadOnlySpan<long>(b.Timestamps, 0, b.Count),
            b.HasOrigins ? new ReadOnlySpan<ElementOrigin>(b.Origins, 0, b.Count) : default);
    }

    /// <summary>
    /// Results read in place from the producer's span (a source's own storage, timed in place by <c>WithEventTime</c>):
    /// written as a batch is, without the copy into one; what the writer does not take at once is copied, since the
    /// span is only borrowed for the call. Such results carry no origins (a source reads spans only when none are tracked).
    /// </summary>
    public void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        if (values.IsEmpty) return;
        Write(values, timestamps, default);
    }

    /// <summary>Hands results (with their event times, and their origins when they carry them) to the writer.</summary>
    private void Write(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, ReadOnlySpan<ElementOrigin> elementOrigins)
    {
        context.Counters.AddWritten(values.Length);
        if (_partitions)
        {
            WriteWithPartitions(values, elementOrigins);
            return;
        }

        if (_timed is not null)
        {
            WriteTimed(values, timestamps, elementOrigins);
            return;
        }

        int from = 0;
        if (_pendingItems is null && _queue.Count == 0)
        {
            from = TryWriteNow(values);
            if (from == values.Length) return;
        }

        int count = values.Length - from;
        T[] items = ArrayPool<T>.Shared.Rent(count);
        values[from..].CopyTo(items);
        if (_pendingItems is null && _queue.Count == 0) Start(items, count, 0);
        else _queue.Enqueue((items, count));
    }

    private void WriteTimed(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, ReadOnlySpan<ElementOrigin> elementOrigins)
    {
        try
        {
            // Inside, event times count from the Unix epoch; the public contract speaks DateTimeOffset.UtcTicks.
            if (_utcTicks.Length < values.Length) _utcTicks = new long[Math.Max(values.Length, _utcTicks.Length * 2)];
            for (int i = 0; i < values.Length; i++) _utcTicks[i] = EventTime.ToDateTimeOffset(timestamps[i]).UtcTicks;
            // Origins reach the writer only from a path the plan vouches for (one source, carrying operators only).
            if (origins && !elementOrigins.IsEmpty)
            {
                _timed!.Write(values, new ReadOnlySpan<long>(_utcTicks, 0, values.Length), elementOrigins);
            }
            else
            {
                _timed!.Write(values, new ReadOnlySpan<long>(_utcTicks, 0, values.Length));
            }
        }
        catch (Exception ex) when (!IsRunCancellation(ex) && ex is not PipelineExecutionException)
        {
            throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
        }
    }

    /// <summary>Hands the results to the writer with each one's partition (-1 for a result that carries none).</summary>
    private void WriteWithPartitions(ReadOnlySpan<T> values, ReadOnlySpan<ElementOrigin> elementOrigins)
    {
        int n = values.Length;
        if (_partitionOf.Length < n) _partitionOf = new int[Math.Max(n, _partitionOf.Length * 2)];
        for (int i = 0; i < n; i++) _partitionOf[i] = !elementOrigins.IsEmpty && elementOrigins[i].IsKnown ? (int)elementOrigins[i].Partition : -1;
        int from = 0;
        while (from < n)
        {
            try
            {
                writer.Write(values[from..], new ReadOnlySpan<int>(_partitionOf, from, n - from));
                return;
            }
            catch (SinkElementException ex)
            {
                from = HandleElement(ex, from);
            }
            catch (Exception ex) when (!IsRunCancellation(ex) && ex is not PipelineExecutionException)
            {
                throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
            }
        }
    }

    /// <summary>Partitions whose state moved away: the writer drops what it holds of theirs (in order with the results).</summary>
    public override void OnHandover(Exchanges.PartitionHandover handover)
    {
        if (!_partitions || handover.Revoked.Count == 0) return;
        try
        {
            writer.PartitionsRevoked(handover.Revoked);
        }
        catch (Exception ex) when (!IsRunCancellation(ex) && ex is not PipelineExecutionException)
        {
            throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
        }
    }

    /// <summary>Writes through the writer's synchronous path as far as it goes; returns how many elements are done.</summary>
    private int TryWriteNow(ReadOnlySpan<T> values)
    {
        int from = 0;
        while (from < values.Length)
        {
            try
            {
                int written = writer.TryWrite(values[from..]);
                if (written < 0 || written > values.Length - from)
                {
                    throw new InvalidOperationException($"TryWrite returned {written} for a batch of {values.Length - from}; it must return how many leading items it wrote.");
                }

                return from + written;
            }
            catch (SinkElementException ex)
            {
                from = HandleElement(ex, from);
            }
            catch (Exception ex) when (!IsRunCancellation(ex) && ex is not PipelineExecutionException)
            {
                throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
            }
        }

        return from;
    }

    private void Start(T[] items, int count, int from)
    {
        while (from < count)
        {
            ValueTask write;
            try
            {
                write = writer.WriteAsync(items.AsMemory(from, count - from), runToken);
                if (write.IsCompleted)
                {
                    write.GetAwaiter().GetResult();
                    break;
                }
            }
            catch (SinkElementException ex)
            {
                from = HandleElement(ex, from);
                continue;
            }
            catch (Exception ex) when (!IsRunCancellation(ex) && ex is not PipelineExecutionException)
            {
                Release(items, count);
                throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
            }

            _pending = write;
            _pendingItems = items;
            _pendingCount = count;
            _pendingFrom = from;
            return;
        }

        Release(items, count);
    }

    private int HandleElement(SinkElementException ex, int from)
    {
        context.Errors.Handle(ex.InnerException ?? ex, ex.Element, EventTime.MinWatermark);
        context.Counters.AddWritten(-1);
        return from + ex.Index + 1;
    }

    public override async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        while (_pendingItems is not null)
        {
            // Take the pending write out first: a ValueTask may be awaited only once, also when this throws.
            T[] items = _pendingItems;
            int count = _pendingCount, from = _pendingFrom, next = count;
            var pending = _pending;
            _pendingItems = null;
            _pending = default;
            try
            {
                await WhileRunning(pending, cancellationToken).ConfigureAwait(false);
            }
            catch (SinkElementException ex)
            {
                next = HandleElement(ex, from);
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken) && ex is not PipelineExecutionException)
            {
                Release(items, count);
                throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
            }

            if (next < count) Start(items, count, next);
            else Release(items, count);

            while (_pendingItems is null && _queue.TryDequeue(out var queued)) Start(queued.Items, queued.Count, 0);
        }

        if (_barrier != 0 && !_ended)
        {
            // Every write before the barrier has completed: make them durable, then let the checkpoint know.
            long barrier = _barrier;
            _barrier = 0;
            try
            {
                await writer.PreCommitAsync(barrier, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
            }

            checkpoints!.Passed(barrier);
        }

        if (_ended && !_completed)
        {
            if (checkpoints is { FinalCheckpoint: > 0 and long final } && !_finalPassed)
            {
                // The final checkpoint of a drained run: stage what came after the last barrier, let the checkpoint
                // store it, and complete only once it is committed, so what the writer completes is covered by it.
                _finalPassed = true;
                try
                {
                    await writer.PreCommitAsync(final, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
                {
                    throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
                }

                checkpoints.Passed(final);
                await checkpoints.FinalSettled.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            _completed = true;
            try
            {
                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
            }

            checkpoints?.Ended();
        }
    }

    protected override void PassBarrier(long checkpoint) => _barrier = checkpoint;

    public override void OnWatermark(long watermark)
    {
        if (_timed is null) return;
        try
        {
            _timed.OnWatermark(EventTime.ToDateTimeOffset(watermark));
        }
        catch (Exception ex) when (!IsRunCancellation(ex) && ex is not PipelineExecutionException)
        {
            throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
        }
    }

    public override void OnIdle()
    {
        if (_timed is null) return;
        try
        {
            _timed.OnIdle();
        }
        catch (Exception ex) when (!IsRunCancellation(ex) && ex is not PipelineExecutionException)
        {
            throw PipelineExecutionException.ForComponent("Sink", sinkName, ex);
        }
    }

    public override void OnEnd() => _ended = true;

    public override ValueTask AbortAsync(Exception error) => _completed ? default : writer.AbortAsync(error);

    /// <summary>
    /// Awaits a write until it completes or the run is stopped without draining (or fails, or is cancelled): a writer
    /// that ignores the token must not keep the run from ending. A write given up on keeps its items (the writer may
    /// still read them, so they never go back to the pool), and its failure, if one comes, is observed.
    /// </summary>
    private static async ValueTask WhileRunning(ValueTask write, CancellationToken cancellationToken)
    {
        if (write.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            await write.ConfigureAwait(false);
            return;
        }

        var task = write.AsTask();
        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            Abandon(task);
            throw;
        }
    }

    private static void Abandon(Task write) =>
        _ = write.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public override async ValueTask DisposeAsync()
    {
        if (_pendingItems is not null)
        {
            // A write that ignores its (cancelled) token is given a moment, then left to the writer with its items.
            var write = _pending.AsTask();
            try
            {
                await write.WaitAsync(AbandonAfter, TimeProvider.System).ConfigureAwait(false);
            }
            catch
            {
                // The run is already failing or stopped; the write's own error is not the one to report.
            }

            if (write.IsCompleted)
            {
                _ = write.Exception;
                Release(_pendingItems, _pendingCount);
            }
            else
            {
                Abandon(write);
            }

            _pendingItems = null;
        }

        while (_queue.TryDequeue(out var queued)) Release(queued.Items, queued.Count);
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    private static void Release(T[] items, int count)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) Array.Clear(items, 0, count);
        ArrayPool<T>.Shared.Return(items);
    }
}
