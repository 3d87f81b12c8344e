using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// The base of every keyed stateful operator (windows, sessions, joins, process functions). It owns what they
/// share, so an operator is reduced to "on elements", "on timer" and "on end":
/// <list type="bullet">
/// <item>the worker's <see cref="KeyedStateStore{TKey}"/> and <see cref="TimerService{TKey}"/>;</item>
/// <item>the input watermark: on each advance, event-time timers due by it fire in time order, then held
/// barriers are released, then the watermark goes to every output;</item>
/// <item>processing time: timers due by the run's clock fire on each tick;</item>
/// <item>the state horizon (the latest cleanup time of anything held) and barrier holding;</item>
/// <item>the one semantics for a failing element: when a user function throws for an element, the output it
/// produced so far is withdrawn (<see cref="DiscardElementOutput"/>), the operator undoes what it can of the state
/// the element changed, and the error policy decides — fail the run naming the operator and the element, or
/// skip / dead-letter it and go on with the next element of the batch. A failing timer is handled the same way,
/// with (key, namespace, time) as the element.</item>
/// </list>
/// </summary>
internal abstract partial class KeyedStage<TKey> : StageOperator
    where TKey : notnull
{
    private readonly IOutput[] _outputs;
    private long _horizon = EventTime.MinWatermark;

    protected KeyedStage(OperatorContext context, IOutput[] outputs)
    {
        Context = context;
        _outputs = outputs;
        State = new KeyedStateStore<TKey>((IEqualityComparer<TKey>?)context.KeyComparer);
        Timers = new TimerService<TKey>(State.Keys);
    }

    protected OperatorContext Context { get; }

    /// <summary>The worker's keyed state.</summary>
    public KeyedStateStore<TKey> State { get; }

    /// <summary>The worker's timers.</summary>
    public TimerService<TKey> Timers { get; }

    /// <summary>The worker's keys.</summary>
    protected KeyTable<TKey> KeyIds => State.Keys;

    /// <summary>The merged input watermark.</summary>
    public long Watermark { get; private set; } = EventTime.MinWatermark;

    /// <summary>Index of the element being processed in the current batch; loops that do not call <see cref="ProcessRange"/>'s default keep it current.</summary>
    protected int At;

    /// <summary>Records that state held now is dropped at <paramref name="cleanupTime"/> at the latest (for barriers).</summary>
    protected void ExtendHorizon(long cleanupTime)
    {
        if (cleanupTime > _horizon) _horizon = cleanupTime;
    }

    public sealed override void OnBatch(int port, object batch)
    {
        BeginInput();
        int count = ((IPooledBatch)batch).Size, i = 0;
        while (i < count)
        {
            try
            {
                ProcessRange(port, batch, i, count);
                break;
            }
            catch (Exception ex)
            {
                i = At;
                var (element, timestamp) = ElementAt(port, batch, i);
                ElementFailed(ex, element, timestamp);
                i++;
            }
        }

        EndInput();
    }

    /// <summary>Before elements are processed: a restore of partitions' state in flight is finished first.</summary>
    protected void BeginInput()
    {
        if (_restoring is not null) FinishRestore();
    }

    /// <summary>After a batch (or span) of elements: <see cref="AfterBatch"/>, then the outputs are flushed.</summary>
    protected void EndInput()
    {
        AfterBatch();
        FlushOutputs();
        Context.Telemetry.FlushPanes();
    }

    /// <summary>
    /// Processes elements <paramref name="from"/> to <paramref name="count"/> of a batch arriving on
    /// <paramref name="port"/>, keeping <see cref="At"/> at the element being processed, so that a failure resumes
    /// after it.
    /// </summary>
    protected abstract void ProcessRange(int port, object batch, int from, int count);

    /// <summary>The element at <paramref name="index"/> of a batch of <paramref name="port"/>, for error reports.</summary>
    protected abstract (object? Element, long Timestamp) ElementAt(int port, object batch, int index);

    /// <summary>
    /// The one handling of a failing element (or timer, as (key, namespace)): what it emitted is withdrawn, then the
    /// error policy decides (fail the run naming the operator and the element, or skip or dead-letter it).
    /// </summary>
    protected void ElementFailed(Exception error, object? element, long timestamp)
    {
        DiscardElementOutput();
        Context.Errors.Handle(error, element, timestamp);
    }

    /// <summary>Withdraws what the failing element emitted so far; operators that emit several results per element buffer them.</summary>
    protected virtual void DiscardElementOutput()
    {
    }

    /// <summary>Called after each input batch, before the outputs are flushed.</summary>
    protected virtual void AfterBatch()
    {
    }

    public sealed override void OnWatermark(long watermark)
    {
        if (watermark < Watermark) return; // after a restore, replayed input re-emits watermarks the state has passed
        if (_partitioned is not null)
        {
            FinishRestore();
            if (watermark == EventTime.MaxWatermark) DropOwnedAtEnd();
        }

        if (watermark != EventTime.MaxWatermark) _watermarkBeforeEnd = watermark;
        Watermark = watermark;
        FireTimers(TimeDomain.EventTime, watermark);
        OnWatermarkAdvanced(watermark);
        ReleaseBarriers(BarrierWatermark);
        long forwarded = OutputWatermark(watermark);
        foreach (var output in _outputs) output.Watermark(forwarded);
        Context.Telemetry.FlushPanes();
    }

    /// <summary>
    /// The watermark passed downstream once the input reached <paramref name="watermark"/> and the timers due fired:
    /// the same, unless the operator emits results behind its input watermark (outer interval joins), which hold it
    /// back so that downstream windows do not count those results late.
    /// </summary>
    protected virtual long OutputWatermark(long watermark) => watermark;

    /// <summary>Called after the event-time timers due by <paramref name="watermark"/> fired.</summary>
    protected virtual void OnWatermarkAdvanced(long watermark)
    {
    }

    public sealed override void OnProcessingTime(long utcTicks)
    {
        if (_restoring is not null) FinishRestore();
        FireTimers(TimeDomain.ProcessingTime, utcTicks);
        OnProcessingTimeAdvanced(utcTicks);
        ReleaseBarriers(BarrierWatermark);
        foreach (var output in _outputs)
        {
            output.Flush();
            output.ProcessingTime(utcTicks);
        }

        Context.Telemetry.FlushPanes();
    }

    /// <summary>Called on each processing-time tick after the processing-time timers due fired.</summary>
    protected virtual void OnProcessingTimeAdvanced(long utcTicks)
    {
    }

    private void FireTimers(TimeDomain domain, long time)
    {
        bool stamped = false;
        while (Timers.TryPopDue(domain, time, out var timer))
        {
            try
            {
                if (StampsResults)
                {
                    StampPartition(PartitionOfKey(KeyIds[timer.Key]));
                    stamped = true;
                }

                OnTimer(domain, timer);
            }
            catch (Exception ex)
            {
                ElementFailed(ex, (KeyIds[timer.Key], timer.Namespace), timer.Time);
            }
            finally
            {
                Timers.Fired(in timer);
            }
        }

        if (stamped) StampPartition(-1);
    }

    /// <summary>A timer fired: the watermark (event time) or the clock (processing time) reached its time.</summary>
    protected abstract void OnTimer(TimeDomain domain, in KeyedTimer timer);

    public sealed override void OnIdle()
    {
        foreach (var output in _outputs) output.Idle();
    }

    public sealed override void OnEnd()
    {
        OnEndOfInput();
        SnapshotAtEnd();
        Context.Telemetry.FlushPanes();
        foreach (var output in _outputs) output.End();
    }

    /// <summary>
    /// The run is over (completed, failed or cancelled) and nothing reaches the operator any more: its state and
    /// timers go, and their arrays back to the pool (<see cref="StateArrays"/>) for the next run in the process.
    /// </summary>
    public override ValueTask DisposeAsync()
    {
        Context.Telemetry.FlushPanes();
        Timers.ReleaseArrays();
        State.ReleaseArrays();
        return default;
    }

    /// <summary>Every input ended (after the final +∞ watermark fired every event-time timer).</summary>
    protected virtual void OnEndOfInput()
    {
    }

    /// <summary>Fires every processing-time timer still registered, in time order (at end of input, as if the clock ran on).</summary>
    protected void FireRemainingProcessingTimers() => FireTimers(TimeDomain.ProcessingTime, long.MaxValue);

    protected void FlushOutputs()
    {
        foreach (var output in _outputs) output.Flush();
    }

    /// <summary>The latest cleanup time recorded with <see cref="ExtendHorizon"/>; an operator whose state the clock drops gives its own.</summary>
    protected override long StateHorizon => _horizon;

    /// <summary>The input watermark; held barriers are released against it after each watermark and processing-time tick.</summary>
    protected override long BarrierWatermark => Watermark;

    protected sealed override void PassBarrier(long checkpoint)
    {
        foreach (var output in _outputs) output.Barrier(checkpoint);
    }
}
