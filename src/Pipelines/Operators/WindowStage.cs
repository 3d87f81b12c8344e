using Pipelines.Checkpoints.Serialization;
using Pipelines.Runtime;
using Pipelines.State;

namespace Pipelines.Operators;

/// <summary>
/// What the windowed aggregations (fixed windows and sessions) share on top of <see cref="KeyedStage{TKey}"/>: a
/// state table of one <see cref="WindowSlot{TAcc}"/> per (key, window), the on-time and cleanup timer of each
/// window, and early panes on processing time. The subclasses decide which windows an element goes to.
/// </summary>
internal abstract class WindowStage<TIn, TKey, TAcc, TOut> : KeyedOneInputStage<TIn, TKey>
    where TKey : notnull
{
    private long _nextEarly = long.MinValue;

    protected WindowStage(PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context, string stateName)
        : base(context, panes.Outputs)
    {
        Panes = panes;
        Table = State.Values<WindowSlot<TAcc>>(stateName);
        CheckpointStateAs(stateName, (serializers, op) => new WindowSlotCodec<TAcc>(serializers.Require<TAcc>(op, "accumulator")));
    }

    /// <summary>Panes, timing and lateness.</summary>
    protected PaneEmitter<TIn, TKey, TAcc, TOut> Panes { get; }

    /// <summary>The window state: a slot per (key, window).</summary>
    protected StateTable<TKey, WindowSlot<TAcc>> Table { get; }

    public sealed override TimeSpan? ProcessingTimeInterval => Panes.EarlyInterval;

    /// <summary>A window's timer: the on-time pane when it has not fired yet, then its state dropped at cleanup time.</summary>
    protected sealed override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        Window window = timer.Namespace;
        int entry = Table.Find(timer.Key, window);
        if (entry < 0) return;
        ref var state = ref Table.Value(entry);
        bool fired = false;
        if (!state.FiredOnTime)
        {
            Panes.Emit(KeyIds[timer.Key], window.StartTicks, window.EndTicks, ref state, PaneTiming.OnTime);
            state.FiredOnTime = true;
            fired = true;
        }

        long cleanup = Panes.CleanupTime(window.EndTicks);
        if (cleanup <= Watermark) Table.Remove(entry);
        else if (fired) Timers.RegisterOnce(TimeDomain.EventTime, timer.Key, window, cleanup);
    }

    /// <summary>Early panes every interval of processing time, for each window with elements since its last pane.</summary>
    protected sealed override void OnProcessingTimeAdvanced(long utcTicks)
    {
        if (Panes.EarlyInterval is not { } interval || utcTicks < _nextEarly) return;
        _nextEarly = utcTicks + interval.Ticks;
        foreach (int entry in Table.EntryIndexes())
        {
            ref var state = ref Table.Value(entry);
            if (state.SinceLastPane > 0 && !state.FiredOnTime)
            {
                Window window = Table.NamespaceOf(entry);
                Panes.Emit(KeyIds[Table.KeyOf(entry)], window.StartTicks, window.EndTicks, ref state, PaneTiming.Early);
            }
        }
    }
}
