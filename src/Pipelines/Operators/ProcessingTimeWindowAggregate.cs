using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.Time;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over processing-time windows (<see cref="ProcessingTimeWindows"/>): an element goes to the
/// windows of the run's clock when it arrives; each (key, window) is an entry of the "windows" table with a
/// processing-time timer at the window's last instant, which emits the pane and drops the state. At +∞ (the end of
/// input) the timers still pending fire before the watermark is passed on: the bounded executor, which sends no
/// clock ticks, emits every window then.
/// </summary>
/// <remarks>
/// Without checkpoint storage a barrier is held in processing time: until the timers of the windows open at its
/// arrival have fired (at most one window size on the clock), not until the end of input.
/// </remarks>
internal sealed class ProcessingTimeWindowAggregate<TIn, TKey, TAcc, TOut> : WindowStage<TIn, TKey, TAcc, TOut, WindowSlot<TAcc>>
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;

    protected override Func<TIn, TKey> KeySelector => _keyOf;
    private readonly ProcessingTimeWindows _windows;
    private readonly TimeProvider _clock;
    private readonly Window[] _assigned;
    private readonly int[] _entries;
    private readonly bool[] _opened;

    /// <summary>The state of each of an element's windows before the element, put back when the aggregate fails on a later one.</summary>
    private readonly WindowSlot<TAcc>[] _before;

    /// <summary>The latest on-time timer (UTC ticks) of a window opened so far: a barrier arriving now waits for it.</summary>
    private long _timersUntil = EventTime.MinWatermark;

    public ProcessingTimeWindowAggregate(Func<TIn, TKey> keyOf, ProcessingTimeWindows windows, TimeProvider clock, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
        : base(panes, context, "windows", static pane => pane)
    {
        (_keyOf, _windows, _clock) = (keyOf, windows, clock);
        _assigned = new Window[windows.MaxWindowsPerElement];
        _entries = new int[windows.MaxWindowsPerElement];
        _opened = new bool[windows.MaxWindowsPerElement];
        _before = new WindowSlot<TAcc>[windows.MaxWindowsPerElement];
    }

    /// <summary>About four checks per slide, between 1 ms and 250 ms apart (or the early-pane interval when shorter).</summary>
    public override TimeSpan? ProcessingTimeInterval
    {
        get
        {
            var tick = TimeSpan.FromTicks(Math.Clamp(_windows.Slide / 4, TimeSpan.TicksPerMillisecond, 250 * TimeSpan.TicksPerMillisecond));
            return Panes.EarlyInterval is { } early && early < tick ? early : tick;
        }
    }

    protected override Window WindowOf(int entry) => Table.NamespaceOf(entry);

    protected override ref WindowSlot<TAcc> PaneOf(int entry) => ref Table.Value(entry);

    /// <summary>A window's timer, at its last instant (event-time ticks) as processing-time UTC ticks.</summary>
    protected override void Schedule(int key, int entry, long time) =>
        Timers.RegisterOnce(TimeDomain.ProcessingTime, key, Table.NamespaceOf(entry), time + EventTime.UnixEpochTicks);

    /// <summary>
    /// The aggregate failed on the element's <paramref name="failed"/>-th window: an element goes into all of its
    /// windows or none, so the windows before it get back their state from before the element (an accumulator object
    /// changed in place keeps that change), and windows it opened (empty) go — none may stay behind to emit a result. (A helper, so the exception handler of
    /// <see cref="OnElement"/> has no loop: a loop there keeps the runtime from compiling that method through the
    /// tiers, with profile data.)
    /// </summary>
    private void Undo(int k, int failed, int n)
    {
        for (int w = 0; w < n; w++)
        {
            int e = _entries[w];
            if (e < 0) continue;
            if (_opened[w]) Table.Remove(e);
            else if (w < failed) Table.Value(e) = _before[w];
        }

        KeyIds.ReleaseIfUnreferenced(k);
    }

    protected override void OnElement(TIn value, long timestamp)
    {
        TKey key = Keys.NotNull(_keyOf(value));
        int k = KeyIds.GetOrAdd(key);
        int n = _windows.AssignWindows(EventTime.FromDateTimeOffset(_clock.GetUtcNow()), _assigned);
        for (int w = 0; w < n; w++) _entries[w] = -1;
        int at = 0;
        try
        {
            for (; at < n; at++)
            {
                int e = _entries[at] = Table.GetOrAdd(k, _assigned[at], out _opened[at]);
                ref var slot = ref Table.Value(e);
                if (_opened[at]) slot.Accumulator = Panes.Aggregator.CreateAccumulator();
                else if (at < n - 1) _before[at] = slot; // only the windows before the last can need putting back
                Panes.Accumulate(ref slot, value, timestamp);
            }
        }
        catch
        {
            Undo(k, at, n);
            throw;
        }

        for (int w = 0; w < n; w++)
        {
            if (_opened[w])
            {
                Schedule(k, _entries[w], _assigned[w].MaxTimestamp);
                _timersUntil = Math.Max(_timersUntil, _assigned[w].MaxTimestamp + EventTime.UnixEpochTicks);
            }

            Panes.AfterElement(key, _assigned[w].StartTicks, _assigned[w].EndTicks, ref Table.Value(_entries[w]));
        }
    }

    /// <summary>Processing time: the on-time timer of the last window open now (UTC ticks).</summary>
    protected override long StateHorizon => _timersUntil;

    /// <summary>
    /// Processing time up to which every timer has fired (just before the earliest pending one; +∞ when none is
    /// pending, as after the end of input): a held barrier passes once it reaches the horizon of its arrival.
    /// </summary>
    protected override long BarrierWatermark => Timers.NextTime(TimeDomain.ProcessingTime) is var next && next == long.MaxValue ? EventTime.MaxWatermark : next - 1;

    /// <summary>At the end of input every window still open emits, before +∞ is passed on.</summary>
    protected override void OnWatermarkAdvanced(long watermark)
    {
        if (watermark == EventTime.MaxWatermark) FireRemainingProcessingTimers();
    }
}
