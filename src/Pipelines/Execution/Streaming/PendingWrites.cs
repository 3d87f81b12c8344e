using System.Threading.Channels;
using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// The writes of one producer task that did not fit into full channels, and the sinks that run inside the task
/// (<see cref="StreamingOptions.ChainSinks"/>). Operators emit synchronously; the producer awaits
/// <see cref="FlushAsync"/> before it takes more input, which is how backpressure reaches the sources. Once anything
/// is queued, later writes queue behind it, so each channel sees messages in order.
/// </summary>
/// <param name="clock">Measures the waits for room, and for the writes of the sinks in the task, as backpressured time of the producer task (null: not measured).</param>
internal sealed class PendingWrites(Diagnostics.TaskClock? clock = null)
{
    private readonly Queue<(ChannelWriter<StageMessage> Channel, StageMessage Message)> _queue = new();
    private StageOperator[] _chained = [];
    private ValueTask[] _drains = [];
    private readonly List<IHoldsBatches> _holding = [];

    /// <summary>True when <see cref="FlushAsync"/> has something to do: queued writes, or sinks in the task to drain.</summary>
    public bool HasPending => _queue.Count > 0 || _chained.Length > 0;

    /// <summary>A sink that runs inside this producer's task: <see cref="FlushAsync"/> awaits its writes (<see cref="StageOperator.DrainAsync"/>).</summary>
    public void Chain(StageOperator sink)
    {
        if (Array.IndexOf(_chained, sink) >= 0) return;
        _chained = [.. _chained, sink];
        _drains = new ValueTask[_chained.Length];
    }

    /// <summary>An edge of this producer holds partial batches (<see cref="PartitionedEdge{T}"/>) until <see cref="SendHeld"/>.</summary>
    public void Holding(IHoldsBatches edge) => _holding.Add(edge);

    /// <summary>True when an edge of this producer holds partial batches.</summary>
    public bool HasHeld => _holding.Count > 0;

    /// <summary>
    /// Sends what the producer's edges hold: called when the producer is about to wait for input, and by a source at
    /// least every watermark interval while it is busy. What does not fit waits for <see cref="FlushAsync"/>.
    /// </summary>
    public void SendHeld()
    {
        if (_holding.Count == 0) return;
        foreach (var edge in _holding) edge.SendHeld();
        _holding.Clear();
    }

    public void Write(ChannelWriter<StageMessage> channel, in StageMessage message)
    {
        if (_queue.Count == 0 && channel.TryWrite(message)) return;
        _queue.Enqueue((channel, message));
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        while (_queue.TryPeek(out var entry))
        {
            if (!entry.Channel.TryWrite(entry.Message))
            {
                // While this worker waits for room, it is stuck exactly when the worker it waits for is (InFlight).
                var waiting = ClockWaits.Current as InFlight.Counter;
                waiting?.WaitOn((entry.Channel as CountedWriter)?.Counter);
                try
                {
                    using (clock?.Backpressured()) await entry.Channel.WriteAsync(entry.Message, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    waiting?.WaitOn(null);
                }
            }

            _queue.Dequeue();
        }

        if (_chained.Length > 0) await DrainChainedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Awaits the writes of the sinks in the task. All are started before any is awaited: a sink that completes only
    /// once a final checkpoint is stored waits for the others to pass it.
    /// </summary>
    private async ValueTask DrainChainedAsync(CancellationToken cancellationToken)
    {
        bool waiting = false;
        for (int i = 0; i < _chained.Length; i++)
        {
            _drains[i] = _chained[i].DrainAsync(cancellationToken);
            waiting |= !_drains[i].IsCompletedSuccessfully;
        }

        if (!waiting) return;
        using (clock?.Backpressured())
        {
            Exception? failure = null;
            for (int i = 0; i < _drains.Length; i++)
            {
                try
                {
                    await _drains[i].ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    failure ??= ex;
                }
                finally
                {
                    _drains[i] = default;
                }
            }

            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Gives back the pooled batches of writes that will never happen (the run stopped).</summary>
    public void Discard()
    {
        while (_queue.TryDequeue(out var entry))
        {
            Runtime.BatchPool.Return(entry.Message.Batch);
        }
    }
}
