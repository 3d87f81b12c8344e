using Pipelines.Checkpoints.Serialization;
using System.Runtime.InteropServices;
using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.Time;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over session windows. Each element opens <c>[t, t + gap)</c>; the sessions of a key it
/// overlaps merge into one (<see cref="SessionMerging"/>; accumulators merged with
/// <see cref="IAggregator{TIn,TAcc,TOut}.Merge"/>), so an element can bridge two sessions.
/// </summary>
/// <remarks>
/// As in Flink's <c>MergingWindowSet</c>, a session's state stays in one namespace for its whole life: its
/// <em>state window</em>, the window of the element that opened it. The session's current window lives in the
/// state (<see cref="SessionSlot{TAcc}"/>), so extending a session only updates it; merging sessions merges their
/// state into the first one's state window and drops the others'. State windows lie inside their sessions, which
/// never overlap, so a key's entries (newest state window first) are in session order too.
/// <para>
/// Each session has one live timer (<see cref="SessionSlot{TAcc}.TimerAt"/>), set when it opens and not moved as
/// it grows: when it fires before the session's end, it moves there. Timers left behind (a merged-away session's,
/// or one replaced by an earlier one) find no entry or a different live time, and do nothing. A merged-away state
/// window is not reused while its timer is pending: an element that would open it falls into the merged session,
/// which lives at least until that timer's time.
/// </para>
/// </remarks>
internal sealed class SessionWindowAggregate<TIn, TKey, TAcc, TOut> : WindowStage<TIn, TKey, TAcc, TOut, SessionSlot<TAcc>>
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;

    protected override Func<TIn, TKey> KeySelector => _keyOf;
    private readonly long _gap;
    private readonly List<Window> _keySessions = [];
    private readonly List<int> _keyEntries = [];

    public SessionWindowAggregate(Func<TIn, TKey> keyOf, long gap, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
        : base(panes, context, "sessions", static pane => new SessionSlotCodec<TAcc>(pane))
    {
        (_keyOf, _gap) = (keyOf, gap);
    }

    protected override Window WindowOf(int entry) => Table.Value(entry).Window;

    protected override ref WindowSlot<TAcc> PaneOf(int entry) => ref Table.Value(entry).Pane;

    protected override bool IsLiveTimer(int entry, long time) => Table.Value(entry).TimerAt == time;

    protected override void Schedule(int key, int entry, long time)
    {
        Table.Value(entry).TimerAt = time;
        Timers.RegisterOnce(TimeDomain.EventTime, key, Table.NamespaceOf(entry), time);
    }

    protected override void OnElement(TIn value, long timestamp)
    {
        TKey keyValue = Keys.NotNull(_keyOf(value));
        int key = KeyIds.GetOrAdd(keyValue);

        // The key's sessions that can overlap the element's, by start: entries are newest first and sessions never
        // overlap, so their ends are sorted too — the walk stops at the first that ends by the element's time.
        long end = EventTime.SaturatingAdd(timestamp, _gap);
        _keySessions.Clear();
        _keyEntries.Clear();
        var slots = Table.Values;
        for (int e = Table.First(key); e >= 0; e = Table.Next(e))
        {
            ref var slot = ref slots[e];
            if (slot.Start >= end) continue;
            if (slot.End <= timestamp) break;
            _keySessions.Add(slot.Window);
            _keyEntries.Add(e);
        }

        _keySessions.Reverse();
        _keyEntries.Reverse();
        var (first, count, merged) = SessionMerging.Merge(CollectionsMarshal.AsSpan(_keySessions), new Window(timestamp, end));
        if (Panes.IsExpired(merged.EndTicks, Watermark))
        {
            KeyIds.ReleaseIfUnreferenced(key);
            Panes.DropLate(value, timestamp);
            return;
        }

        // Aggregate into a copy first: when a user function throws, the element is skipped or dead-lettered
        // without having opened, extended or merged a session.
        WindowSlot<TAcc> state = count == 0 ? default : Table.Value(_keyEntries[first]).Pane;
        try
        {
            if (count == 0) state.Accumulator = Panes.Aggregator.CreateAccumulator();
            for (int j = first + 1; j < first + count; j++)
            {
                var other = Table.Value(_keyEntries[j]).Pane;
                state.Accumulator = Panes.Aggregator.Merge(state.Accumulator, other.Accumulator);
                state.PaneIndex = Math.Max(state.PaneIndex, other.PaneIndex);
                state.SinceLastPane += other.SinceLastPane;
            }

            Panes.Accumulate(ref state, value, timestamp);
        }
        catch
        {
            KeyIds.ReleaseIfUnreferenced(key);
            throw;
        }

        int entry;
        if (count == 0)
        {
            entry = Table.GetOrAdd(key, merged, out _);
            Table.Value(entry) = new SessionSlot<TAcc> { Pane = state, Start = merged.StartTicks, End = merged.EndTicks, TimerAt = long.MaxValue };
            Reschedule(key, entry, merged);
        }
        else if (count == 1 && _keySessions[first] == merged)
        {
            entry = _keyEntries[first];
            Table.Value(entry).Pane = state;
        }
        else
        {
            // The session grows (or bridges to the next ones): it keeps its state window; the sessions merged into
            // it are dropped, and their timers find nothing.
            entry = _keyEntries[first];
            for (int j = first + 1; j < first + count; j++) Table.Remove(_keyEntries[j]);
            ref var slot = ref Table.Value(entry);
            slot.Pane = state;
            slot.Start = merged.StartTicks;
            slot.End = merged.EndTicks;
            Reschedule(key, entry, merged);
        }

        Panes.AfterElement(keyValue, merged.StartTicks, merged.EndTicks, ref Table.Value(entry).Pane);
    }

    /// <summary>
    /// A session opened or grew to <paramref name="window"/>: it fires on time when the watermark passes its end (or
    /// only emits late panes when that has passed), and its live timer must come no later than that moment.
    /// </summary>
    private void Reschedule(int key, int entry, Window window)
    {
        long cleanup = Panes.CleanupTime(window.EndTicks);
        ExtendHorizon(cleanup);
        ref var slot = ref Table.Value(entry);
        bool open = window.MaxTimestamp > Watermark;
        slot.Pane.FiredOnTime = !open;
        long due = open ? window.MaxTimestamp : cleanup;
        if (slot.TimerAt > due) Schedule(key, entry, due);
    }

    /// <summary>A session that started by the barrier's horizon may hold elements from before it and may have grown since.</summary>
    protected override long RecheckHorizon(long horizon)
    {
        long latest = EventTime.MinWatermark;
        foreach (int entry in Table.EntryIndexes())
        {
            ref var session = ref Table.Value(entry);
            if (session.Start <= horizon) latest = Math.Max(latest, Panes.CleanupTime(session.End));
        }

        return latest;
    }
}
