using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.Time;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over session windows. Each element opens <c>[t, t + gap)</c>; the sessions of a key it
/// overlaps merge into one (<see cref="SessionMerging"/>; accumulators merged with
/// <see cref="IAggregator{TIn,TAcc,TOut}.Merge"/>), so an element can bridge two sessions. A session is state in
/// the namespace of its current window; merging moves it to the merged window, with new timers (the old window's
/// timers are left behind and find no session when they fire: a session only grows, so no later session of the
/// key can have the window an old timer names while that timer is pending).
/// </summary>
internal sealed class SessionWindowAggregate<TIn, TKey, TAcc, TOut> : WindowStage<TIn, TKey, TAcc, TOut>
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;
    private readonly long _gap;
    private readonly List<Window> _keySessions = [];
    private readonly List<int> _keyEntries = [];

    public SessionWindowAggregate(Func<TIn, TKey> keyOf, long gap, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
        : base(panes, context, "sessions")
    {
        (_keyOf, _gap) = (keyOf, gap);
    }

    protected override void OnElement(TIn value, long timestamp)
    {
        TKey keyValue = Keys.NotNull(_keyOf(value));
        int key = KeyIds.GetOrAdd(keyValue);

        // The key's sessions that can overlap the element's, by start: the table keeps them newest first, and
        // sessions never overlap, so their ends are sorted too — the walk stops at the first that ends by the start.
        long end = EventTime.SaturatingAdd(timestamp, _gap);
        _keySessions.Clear();
        _keyEntries.Clear();
        for (int e = Table.First(key); e >= 0; e = Table.Next(e))
        {
            Window session = Table.NamespaceOf(e);
            if (session.StartTicks >= end) continue;
            if (session.EndTicks <= timestamp) break;
            _keySessions.Add(session);
            _keyEntries.Add(e);
        }

        _keySessions.Reverse();
        _keyEntries.Reverse();
        var (first, count, merged) = SessionMerging.Merge(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_keySessions), new Window(timestamp, end));
        if (Panes.IsExpired(merged.EndTicks, Watermark))
        {
            KeyIds.ReleaseIfUnreferenced(key);
            Panes.DropLate(value, timestamp);
            return;
        }

        // Aggregate into a copy first: when a user function throws, the element is skipped or dead-lettered
        // without having opened, extended or merged a session.
        WindowSlot<TAcc> state = count == 0 ? default : Table.Value(_keyEntries[first]);
        try
        {
            if (count == 0) state.Accumulator = Panes.Aggregator.CreateAccumulator();
            for (int j = first + 1; j < first + count; j++)
            {
                var other = Table.Value(_keyEntries[j]);
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
        if (count == 1 && _keySessions[first] == merged)
        {
            entry = _keyEntries[first];
            Table.Value(entry) = state;
        }
        else
        {
            // The session's window changed: its state and timers move to the merged window (the key is held
            // meanwhile, since removing its last session would release it).
            KeyIds.AddReference(key);
            // The old windows' timers stay behind and find no session when they fire.
            for (int j = first; j < first + count; j++) Table.Remove(_keyEntries[j]);

            entry = Table.GetOrAdd(key, merged, out _);
            ExtendHorizon(Panes.CleanupTime(merged.EndTicks));
            if (merged.MaxTimestamp > Watermark)
            {
                state.FiredOnTime = false;
                Timers.RegisterOnce(TimeDomain.EventTime, key, merged, merged.MaxTimestamp);
            }
            else
            {
                state.FiredOnTime = true;
                Timers.RegisterOnce(TimeDomain.EventTime, key, merged, Panes.CleanupTime(merged.EndTicks));
            }

            Table.Value(entry) = state;
            KeyIds.Release(key);
        }

        Panes.AfterElement(keyValue, merged.StartTicks, merged.EndTicks, ref Table.Value(entry));
    }

    /// <summary>A session that started by the barrier's horizon may hold elements from before it and may have grown since.</summary>
    protected override long RecheckHorizon(long horizon)
    {
        long latest = EventTime.MinWatermark;
        foreach (int entry in Table.EntryIndexes())
        {
            Window session = Table.NamespaceOf(entry);
            if (session.StartTicks <= horizon) latest = Math.Max(latest, Panes.CleanupTime(session.EndTicks));
        }

        return latest;
    }
}
