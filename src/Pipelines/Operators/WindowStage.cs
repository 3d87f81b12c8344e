using Pipelines.Checkpoints.Serialization;
using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.State.Snapshots;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// What the windowed aggregations (fixed windows and sessions) share on top of <see cref="KeyedStage{TKey}"/>: a
/// state table of one <typeparamref name="TSlot"/> per (key, state window), the timer of each window (the on-time
/// pane, then its state dropped at cleanup time), and early panes on processing time. The subclasses decide which
/// windows an element goes to and where a slot keeps its window and pane bookkeeping.
/// </summary>
internal abstract class WindowStage<TIn, TKey, TAcc, TOut, TSlot> : KeyedOneInputStage<TIn, TKey>
    where TKey : notnull
{
    private long _nextEarly = long.MinValue;

    /// <param name="panes">Panes, timing and lateness.</param>
    /// <param name="context">The operator's context.</param>
    /// <param name="stateName">The name of the slot table.</param>
    /// <param name="slotCodec">How checkpoints write a slot, given the codec of a window's pane state.</param>
    protected WindowStage(PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context, string stateName, Func<WindowSlotCodec<TAcc>, StateCodec<TSlot>> slotCodec)
        : base(context, panes.Outputs)
    {
        Panes = panes;
        Table = State.Values<TSlot>(stateName);
        CheckpointStateAs(stateName, (serializers, op) => slotCodec(new WindowSlotCodec<TAcc>(serializers.Require<TAcc>(op, "accumulator"))));
    }

    /// <summary>Panes, timing and lateness.</summary>
    protected PaneEmitter<TIn, TKey, TAcc, TOut> Panes { get; }

    /// <summary>The window state: a slot per (key, state window).</summary>
    protected StateTable<TKey, TSlot> Table { get; }

    public override TimeSpan? ProcessingTimeInterval => Panes.EarlyInterval;

    /// <summary>The window whose results entry <paramref name="entry"/> holds (a session's current window; a fixed window is its own namespace).</summary>
    protected abstract Window WindowOf(int entry);

    /// <summary>The accumulator and pane bookkeeping of entry <paramref name="entry"/>.</summary>
    protected abstract ref WindowSlot<TAcc> PaneOf(int entry);

    /// <summary>Whether a timer at <paramref name="time"/> for entry <paramref name="entry"/> is the entry's live one (sessions leave stale timers behind).</summary>
    protected virtual bool IsLiveTimer(int entry, long time) => true;

    /// <summary>Registers the timer of entry <paramref name="entry"/> at <paramref name="time"/>.</summary>
    protected virtual void Schedule(int key, int entry, long time) =>
        Timers.RegisterOnce(TimeDomain.EventTime, key, Table.NamespaceOf(entry), time);

    /// <summary>
    /// A window's timer: the on-time pane when it has not fired yet (a session that has grown since the timer was
    /// set moves it to its new end instead), then its state dropped at cleanup time.
    /// </summary>
    protected sealed override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        int entry = Table.Find(timer.Key, timer.Namespace);
        if (entry < 0 || !IsLiveTimer(entry, timer.Time)) return;
        Window window = WindowOf(entry);
        ref var state = ref PaneOf(entry);

        // Processing-time timers (processing-time windows) are in UTC ticks; windows are in event-time ticks.
        long time = domain == TimeDomain.EventTime ? timer.Time : timer.Time - EventTime.UnixEpochTicks;
        if (!state.FiredOnTime)
        {
            if (window.MaxTimestamp > time)
            {
                Schedule(timer.Key, entry, window.MaxTimestamp);
                return;
            }

            if (Panes.FiresOnWatermark || state.SinceLastPane > 0) Panes.Emit(KeyIds[timer.Key], window.StartTicks, window.EndTicks, ref state, PaneTiming.OnTime);
            state.FiredOnTime = true;
        }

        long cleanup = Panes.CleanupTime(window.EndTicks);
        if (cleanup <= (domain == TimeDomain.EventTime ? Watermark : time)) Table.Remove(entry);
        else if (cleanup > time) Schedule(timer.Key, entry, cleanup);
    }

    /// <summary>Early panes every interval of processing time, for each window with elements since its last pane.</summary>
    protected sealed override void OnProcessingTimeAdvanced(long utcTicks)
    {
        if (Panes.EarlyInterval is not { } interval || utcTicks < _nextEarly) return;
        _nextEarly = utcTicks + interval.Ticks;
        foreach (int entry in Table.EntryIndexes())
        {
            ref var state = ref PaneOf(entry);
            if (state.SinceLastPane > 0 && !state.FiredOnTime)
            {
                Window window = WindowOf(entry);
                TKey key = KeyIds[Table.KeyOf(entry)];
                if (StampsResults) StampPartition(PartitionOfKey(key));
                Panes.Emit(key, window.StartTicks, window.EndTicks, ref state, PaneTiming.Early);
            }
        }

        if (StampsResults) StampPartition(-1);
    }
}
