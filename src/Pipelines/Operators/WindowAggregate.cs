using System.Runtime.CompilerServices;
using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over non-merging windows (tumbling, sliding, global). Each (key, window) is one entry of a
/// state table holding the accumulator and its pane bookkeeping; each window has an event-time timer at its last
/// timestamp (the on-time pane) and, with an allowed lateness, one at its cleanup time (state dropped), each
/// registered once (<see cref="State.TimerService{TKey}.RegisterOnce"/>). Timers
/// fire in (time, registration) order, which gives the bounded executor its documented output order: by window
/// end, then by when the (key, window) got its first element. The in-order tumbling loop lives beside this file
/// (<c>WindowAggregate.SpeedOpt.cs</c>); this file is the general semantics.
/// </summary>
internal sealed partial class WindowAggregate<TIn, TKey, TAcc, TOut> : KeyedOneInputStage<TIn, TKey>
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;
    private readonly WindowAssigner _assigner;
    private readonly TumblingWindows? _tumbling;
    private readonly PaneEmitter<TIn, TKey, TAcc, TOut> _panes;
    private readonly StateTable<TKey, WindowSlot<TAcc>> _windows;
    private readonly Window[] _assigned;
    private long _nextEarly = long.MinValue;

    /// <summary>The tumbling window of the previous element (consecutive elements mostly share it).</summary>
    private long _lastStart = long.MaxValue;
    private long _lastEnd = long.MinValue;

    public WindowAggregate(Func<TIn, TKey> keyOf, WindowAssigner assigner, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
        : base(context, panes.Outputs)
    {
        _keyOf = keyOf;
        _assigner = assigner;
        _tumbling = assigner as TumblingWindows;
        _panes = panes;
        _windows = State.Values<WindowSlot<TAcc>>("windows");
        _assigned = new Window[assigner.MaxWindowsPerElement];
    }

    public override TimeSpan? ProcessingTimeInterval => _panes.EarlyInterval;

    protected override void ProcessElements(TIn[] values, long[] stamps, int from, int count)
    {
        if (_tumbling is not null && _panes.QuietAdds) ProcessTumbling(values, stamps, from, count);
        else base.ProcessElements(values, stamps, from, count);
    }

    protected override void OnElement(TIn value, long timestamp)
    {
        TKey key = Keys.NotNull(_keyOf(value));
        Process(KeyIds.GetOrAdd(key), key, value, timestamp);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Process(int k, TKey key, TIn value, long timestamp)
    {
        bool accepted;
        try
        {
            if (_tumbling is { } tumbling)
            {
                if (timestamp < _lastStart || timestamp >= _lastEnd)
                {
                    _lastStart = Time.EventTime.FloorToBoundary(timestamp, tumbling.Size, tumbling.Offset);
                    _lastEnd = Time.EventTime.SaturatingAdd(_lastStart, tumbling.Size);
                }

                accepted = AddToWindow(k, key, _lastStart, _lastEnd, value, timestamp);
            }
            else
            {
                accepted = false;
                int n = _assigner.AssignWindows(timestamp, _assigned);
                for (int w = 0; w < n; w++) accepted |= AddToWindow(k, key, _assigned[w].StartTicks, _assigned[w].EndTicks, value, timestamp);
            }
        }
        catch
        {
            // A user function failed: a key this element added leaves nothing behind.
            KeyIds.ReleaseIfUnreferenced(k);
            throw;
        }

        if (!accepted)
        {
            KeyIds.ReleaseIfUnreferenced(k);
            _panes.DropLate(value, timestamp);
        }
    }

    private bool AddToWindow(int k, TKey key, long start, long end, TIn value, long timestamp)
    {
        if (_panes.IsExpired(end, Watermark)) return false;
        int e = _windows.GetOrAdd(k, start, end, out bool opened);
        try
        {
            ref var slot = ref _windows.Value(e);
            if (opened) slot.Accumulator = _panes.Aggregator.CreateAccumulator();
            _panes.Accumulate(ref slot, value, timestamp);
        }
        catch when (opened)
        {
            // The element would have opened this window: when it is skipped or dead-lettered, no empty window may
            // stay behind to emit a result (or fail) for elements it never received.
            _windows.Remove(e);
            throw;
        }

        if (opened) Schedule(k, e, start, end);
        _panes.AfterElement(key, start, end, ref _windows.Value(e));
        return true;
    }

    /// <summary>A new window's timer: its on-time moment, or (past it, within the allowed lateness) its cleanup time.</summary>
    private void Schedule(int k, int e, long start, long end)
    {
        long cleanup = _panes.CleanupTime(end);
        ExtendHorizon(cleanup);
        if (end - 1 > Watermark)
        {
            Timers.RegisterOnce(TimeDomain.EventTime, k, new Window(start, end), end - 1);
        }
        else
        {
            _windows.Value(e).FiredOnTime = true;
            Timers.RegisterOnce(TimeDomain.EventTime, k, new Window(start, end), cleanup);
        }
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        Window window = timer.Namespace;
        int e = _windows.Find(timer.Key, window);
        if (e < 0) return;
        ref var state = ref _windows.Value(e);
        bool fired = false;
        if (!state.FiredOnTime)
        {
            _panes.Emit(KeyIds[timer.Key], window.StartTicks, window.EndTicks, ref state, PaneTiming.OnTime);
            state.FiredOnTime = true;
            fired = true;
        }

        long cleanup = _panes.CleanupTime(window.EndTicks);
        if (cleanup <= Watermark) _windows.Remove(e);
        else if (fired) Timers.RegisterOnce(TimeDomain.EventTime, timer.Key, window, cleanup);
    }

    protected override void OnProcessingTimeAdvanced(long utcTicks)
    {
        if (_panes.EarlyInterval is not { } interval || utcTicks < _nextEarly) return;
        _nextEarly = utcTicks + interval.Ticks;
        foreach (int e in _windows.EntryIndexes())
        {
            ref var state = ref _windows.Value(e);
            if (state.SinceLastPane > 0 && !state.FiredOnTime)
            {
                Window window = _windows.NamespaceOf(e);
                _panes.Emit(KeyIds[_windows.KeyOf(e)], window.StartTicks, window.EndTicks, ref state, PaneTiming.Early);
            }
        }
    }
}
