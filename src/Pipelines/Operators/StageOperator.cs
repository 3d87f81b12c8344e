namespace Pipelines.Operators;

/// <summary>
/// An operator that starts a stage: keyed state (windows, joins) or a sink. It receives the merged watermark
/// of all its inputs; <see cref="Execution.StageInstance"/> does the merging. Synchronous and single-threaded:
/// each worker owns one instance.
/// </summary>
internal abstract class StageOperator
{
    /// <summary>A batch (<c>Batch&lt;T&gt;</c> of the port's element type) arrived on input <paramref name="port"/>.</summary>
    public abstract void OnBatch(int port, object batch);

    /// <summary>The merged input watermark advanced.</summary>
    public abstract void OnWatermark(long watermark);

    /// <summary>Every input is idle.</summary>
    public virtual void OnIdle()
    {
    }

    /// <summary>Processing time passed (UTC ticks).</summary>
    public virtual void OnProcessingTime(long utcTicks)
    {
    }

    /// <summary>
    /// A checkpoint barrier arrived on every input: each element before it has been received. It is passed on once
    /// nothing this operator keeps can still produce a result from those elements: at once when it keeps no state,
    /// otherwise when the watermark reaches <see cref="StateHorizon"/> as it was on arrival (the state then held has
    /// been emitted and dropped). Barriers pass in order.
    /// </summary>
    public void OnBarrier(long checkpoint)
    {
        if (SnapshotAtBarrier(checkpoint))
        {
            PassBarrier(checkpoint);
            return;
        }

        long horizon = StateHorizon;
        if (_heldBarriers is not { Count: > 0 } && horizon <= BarrierWatermark)
        {
            PassBarrier(checkpoint);
            return;
        }

        (_heldBarriers ??= []).Add((checkpoint, horizon, horizon));
        OnBarrierHeld();
    }

    /// <summary>A barrier was just added to those held (the first held when <see cref="HeldBarriers"/> is 1).</summary>
    protected virtual void OnBarrierHeld()
    {
    }

    /// <summary>How many barriers are held.</summary>
    protected int HeldBarriers => _heldBarriers?.Count ?? 0;

    /// <summary>The horizon of the first barrier held (the next to pass); only while <see cref="HeldBarriers"/> &gt; 0.</summary>
    protected long FirstHeldHorizon => _heldBarriers![0].Horizon;

    /// <summary>
    /// With checkpoints that store state: snapshot the state now (a copy; it is written asynchronously) and return
    /// true, and the barrier passes at once instead of waiting for the state to be emitted. False by default.
    /// </summary>
    protected virtual bool SnapshotAtBarrier(long checkpoint) => false;

    /// <summary>The watermark at which every piece of state held now will have been emitted and dropped (the latest cleanup time); −∞ when stateless.</summary>
    protected virtual long StateHorizon => Time.EventTime.MinWatermark;

    /// <summary>The operator's current input watermark, against which held barriers are checked.</summary>
    protected virtual long BarrierWatermark => Time.EventTime.MaxWatermark;

    /// <summary>
    /// The watermark reached a held barrier's horizon. State that held elements from before the barrier may still be
    /// open when it can grow past its cleanup time (a session extended by later elements): return the latest cleanup
    /// time of such state to keep holding, or −∞ to pass the barrier.
    /// </summary>
    /// <param name="horizon">The horizon when the barrier arrived: state that starts after it holds no element from before the barrier.</param>
    protected virtual long RecheckHorizon(long horizon) => Time.EventTime.MinWatermark;

    /// <summary>Passes a barrier on to every output.</summary>
    protected virtual void PassBarrier(long checkpoint)
    {
    }

    /// <summary>Passes the held barriers whose horizon <paramref name="watermark"/> has reached; call after firing what is due.</summary>
    protected void ReleaseBarriers(long watermark)
    {
        var held = _heldBarriers;
        if (held is null) return;
        int passed = 0;
        while (passed < held.Count && held[passed].Horizon <= watermark)
        {
            var barrier = held[passed];
            long again = RecheckHorizon(barrier.Arrival);
            if (again > watermark)
            {
                held[passed] = (barrier.Checkpoint, again, barrier.Arrival);
                break;
            }

            passed++;
            PassBarrier(barrier.Checkpoint);
        }

        held.RemoveRange(0, passed);
    }

    private List<(long Checkpoint, long Horizon, long Arrival)>? _heldBarriers;

    /// <summary>
    /// A source upstream was assigned or lost partitions (in order with the elements): a keyed stage whose state is
    /// partitioned by that source restores or drops their state. Ignored by default, and never passed on.
    /// </summary>
    public virtual void OnHandover(Exchanges.PartitionHandover handover)
    {
    }

    /// <summary>
    /// True when this operator's state is split by the partitions of <paramref name="source"/>, so that with several
    /// inputs from it each hand-over must reach it once, aligned across them (<see cref="Execution.StageInstance.OnHandover"/>).
    /// </summary>
    /// <param name="source">The source of a hand-over.</param>
    public virtual bool AlignsHandoversOf(object source) => false;

    /// <summary>Every input has ended (after the final +∞ watermark).</summary>
    public abstract void OnEnd();

    /// <summary>How often this operator wants <see cref="OnProcessingTime"/>, or null.</summary>
    public virtual TimeSpan? ProcessingTimeInterval => null;

    /// <summary>Completes asynchronous work started by the synchronous calls (sink writes); cheap when there is none.</summary>
    public virtual ValueTask DrainAsync(CancellationToken cancellationToken) => default;

    /// <summary>The run failed or was cancelled: tell whoever waits on this operator's output (sink writers). Called before <see cref="DisposeAsync"/>.</summary>
    /// <param name="error">The run's error, or an <see cref="OperationCanceledException"/>.</param>
    public virtual ValueTask AbortAsync(Exception error) => default;

    /// <summary>Releases resources at the end of the run, whether it succeeded or not.</summary>
    public virtual ValueTask DisposeAsync() => default;
}
