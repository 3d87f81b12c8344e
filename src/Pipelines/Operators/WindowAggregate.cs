using Pipelines.Checkpoints.Serialization;
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
internal sealed partial class WindowAggregate<TIn, TKey, TAcc, TOut> : WindowStage<TIn, TKey, TAcc, TOut, WindowSlot<TAcc>>
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;

    protected override Func<TIn, TKey> KeySelector => _keyOf;
    private readonly WindowAssigner _assigner;
    private readonly TumblingWindows? _tumbling;
    private readonly Window[] _assigned;
    private readonly int[] _entries;
    private readonly bool[] _opened;

    /// <summary>The state of each of an element's windows before the element, put back when the aggregate fails on a later one.</summary>
    private readonly WindowSlot<TAcc>[] _before;

    /// <summary>The tumbling window of the previous element (consecutive elements mostly share it).</summary>
    private long _lastStart = long.MaxValue;
    private long _lastEnd = long.MinValue;

    public WindowAggregate(Func<TIn, TKey> keyOf, WindowAssigner assigner, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
        : base(panes, context, "windows", static pane => pane)
    {
        _keyOf = keyOf;
        _assigner = assigner;
        _tumbling = assigner as TumblingWindows;
        _assigned = new Window[assigner.MaxWindowsPerElement];
        _entries = new int[assigner.MaxWindowsPerElement];
        _opened = new bool[assigner.MaxWindowsPerElement];
        _before = new WindowSlot<TAcc>[assigner.MaxWindowsPerElement];
    }

    protected override Window WindowOf(int entry) => Table.NamespaceOf(entry);

    protected override ref WindowSlot<TAcc> PaneOf(int entry) => ref Table.Value(entry);

    protected override void ProcessElements(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps, int from, int count)
    {
        if (_tumbling is not null && Panes.QuietAdds) ProcessTumbling(values, stamps, from, count);
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
                accepted = AddToWindows(k, key, value, timestamp);
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
            Panes.DropLate(value, timestamp);
        }
    }

    private bool AddToWindow(int k, TKey key, long start, long end, TIn value, long timestamp)
    {
        if (Panes.IsExpired(end, Watermark)) return false;
        int e = Table.GetOrAdd(k, start, end, out bool opened);
        try
        {
            ref var slot = ref Table.Value(e);
            if (opened) slot.Accumulator = Panes.Aggregator.CreateAccumulator();
            Panes.Accumulate(ref slot, value, timestamp);
        }
        catch when (opened)
        {
            // The element would have opened this window: when it is skipped or dead-lettered, no empty window may
            // stay behind to emit a result (or fail) for elements it never received.
            Table.Remove(e);
            throw;
        }

        if (opened) ScheduleOpened(k, e, start, end);
        Panes.AfterElement(key, start, end, ref Table.Value(e));
        return true;
    }

    /// <summary>
    /// Adds an element to each window the assigner gives it (sliding, global). The windows' entries are found (or
    /// opened) newest first in one walk along the key's list, which is sorted newest first; then the element is
    /// added to them oldest first, the order of their timers and panes. An element goes into all of its windows or
    /// none: the windows it is added to keep their state from before, so when the aggregate fails on one, the
    /// others are put back and the ones it opened removed; only once every window took it are timers registered and
    /// triggers asked for panes. Putting back restores the slot as it was: an accumulator object the aggregate
    /// changed in place before failing (a list, the user's own class) keeps that change.
    /// </summary>
    private bool AddToWindows(int k, TKey key, TIn value, long timestamp)
    {
        int n = _assigner.AssignWindows(timestamp, _assigned);
        int after = -1;
        for (int w = n - 1; w >= 0; w--)
        {
            if (Panes.IsExpired(_assigned[w].EndTicks, Watermark))
            {
                _entries[w] = -1;
                continue;
            }

            // Assigners give windows oldest first; the walk goes on from the previous window only when that holds.
            if (w + 1 < n && _assigned[w].StartTicks >= _assigned[w + 1].StartTicks) after = -1;
            int e = Table.GetOrAddAfter(k, _assigned[w].StartTicks, _assigned[w].EndTicks, after, out _opened[w]);
            _entries[w] = after = e;
        }

        for (int w = 0; w < n; w++)
        {
            int e = _entries[w];
            if (e < 0) continue;
            ref var slot = ref Table.Value(e);

            // Only the windows before the last can need putting back (the last is the one that failed, or none did).
            if (!_opened[w] && w < n - 1) _before[w] = slot;
            try
            {
                if (_opened[w]) slot.Accumulator = Panes.Aggregator.CreateAccumulator();
                Panes.Accumulate(ref slot, value, timestamp);
            }
            catch
            {
                Undo(w, n);
                throw;
            }
        }

        bool accepted = false;
        for (int w = 0; w < n; w++)
        {
            if (_entries[w] >= 0 && _opened[w]) ScheduleOpened(k, _entries[w], _assigned[w].StartTicks, _assigned[w].EndTicks);
        }

        for (int w = 0; w < n; w++)
        {
            if (_entries[w] < 0) continue;
            Panes.AfterElement(key, _assigned[w].StartTicks, _assigned[w].EndTicks, ref Table.Value(_entries[w]));
            accepted = true;
        }

        return accepted;
    }

    /// <summary>
    /// The aggregate failed on the element's <paramref name="failed"/>-th window: the windows before it get back
    /// their state from before the element, and every window the element opened goes. (A helper, so the exception
    /// handler of <see cref="AddToWindows"/> has no loop: a loop there keeps the runtime from compiling that method
    /// through the tiers, with profile data.)
    /// </summary>
    private void Undo(int failed, int n)
    {
        for (int j = 0; j < n; j++)
        {
            int e = _entries[j];
            if (e < 0) continue;
            if (_opened[j]) Table.Remove(e);
            else if (j < failed) Table.Value(e) = _before[j];
        }
    }

    /// <summary>A new window's timer: its on-time moment, or (past it, within the allowed lateness) its cleanup time.</summary>
    private void ScheduleOpened(int k, int e, long start, long end)
    {
        long cleanup = Panes.CleanupTime(end);
        ExtendHorizon(cleanup);
        if (end - 1 > Watermark)
        {
            Timers.RegisterOnce(TimeDomain.EventTime, k, new Window(start, end), end - 1);
        }
        else
        {
            Table.Value(e).FiredOnTime = true;
            Timers.RegisterOnce(TimeDomain.EventTime, k, new Window(start, end), cleanup);
        }
    }
}
