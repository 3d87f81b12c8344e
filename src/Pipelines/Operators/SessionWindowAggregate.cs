using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over session windows. Each element opens <c>[t, t + gap)</c>; the sessions of a key it
/// overlaps merge into one (accumulators merged with <see cref="IAggregator{TIn,TAcc,TOut}.Merge"/>), so an
/// element can bridge two sessions. Sessions are kept per key, sorted by start; timers of merged-away windows
/// are skipped when they come due.
/// </summary>
internal sealed class SessionWindowAggregate<TIn, TKey, TAcc, TOut>(
    Func<TIn, TKey> keyOf,
    long gap,
    PaneEmitter<TIn, TKey, TAcc, TOut> panes,
    OperatorContext context) : StageOperator
    where TKey : notnull
{
    private readonly Dictionary<TKey, List<SessionSlot<TAcc>>> _sessions = new();
    private readonly TimerQueue<WindowKey<TKey>> _timers = new();
    private long _watermark = EventTime.MinWatermark;
    private long _nextEarly = long.MinValue;
    private long _maxCleanup = EventTime.MinWatermark;

    public override TimeSpan? ProcessingTimeInterval => panes.EarlyInterval;

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<TIn>)batch;
        TIn[] values = b.Values;
        long[] stamps = b.Timestamps;
        int count = b.Count, i = 0;
        while (true)
        {
            try
            {
                for (; i < count; i++) Process(values[i], stamps[i]);
                break;
            }
            catch (Exception ex)
            {
                context.Errors.Handle(ex, values[i], stamps[i]);
                i++;
            }
        }

        panes.Flush();
    }

    private void Process(TIn value, long timestamp)
    {
        TKey key = Keys.NotNull(keyOf(value));
        long start = timestamp, end = EventTime.SaturatingAdd(timestamp, gap);
        if (!_sessions.TryGetValue(key, out var list))
        {
            if (panes.IsExpired(end, _watermark))
            {
                panes.DropLate(value, timestamp);
                return;
            }

            list = [];
            _sessions.Add(key, list);
        }

        // Sessions are sorted by start and never overlap, so the ones this element touches are contiguous.
        int first = 0;
        while (first < list.Count && list[first].End <= start) first++;
        int last = first;
        while (last < list.Count && list[last].Start < end) last++;

        long mergedStart = first < last ? Math.Min(start, list[first].Start) : start;
        long mergedEnd = first < last ? Math.Max(end, list[last - 1].End) : end;
        if (panes.IsExpired(mergedEnd, _watermark))
        {
            if (list.Count == 0) _sessions.Remove(key);
            panes.DropLate(value, timestamp);
            return;
        }

        // Aggregate into a copy of the state first: when a user function throws, the element is skipped or
        // dead-lettered without having opened, extended or merged a session.
        var state = first == last ? default : list[first].State;
        try
        {
            if (first == last) state.Accumulator = panes.Aggregator.CreateAccumulator();
            for (int j = first + 1; j < last; j++)
            {
                var other = list[j].State;
                state.Accumulator = panes.Aggregator.Merge(state.Accumulator, other.Accumulator);
                state.PaneIndex = Math.Max(state.PaneIndex, other.PaneIndex);
                state.SinceLastPane += other.SinceLastPane;
            }

            panes.Accumulate(ref state, value, timestamp);
        }
        catch
        {
            if (list.Count == 0) _sessions.Remove(key);
            throw;
        }

        SessionSlot<TAcc> session;
        if (first == last)
        {
            session = new SessionSlot<TAcc>(start, end);
            list.Insert(first, session);
        }
        else
        {
            session = list[first];
            list.RemoveRange(first + 1, last - first - 1);
        }

        session.State = state;
        bool boundsChanged = first == last || mergedStart != session.Start || mergedEnd != session.End;
        session.Start = mergedStart;
        session.End = mergedEnd;
        if (boundsChanged)
        {
            _maxCleanup = Math.Max(_maxCleanup, panes.CleanupTime(mergedEnd));
            var wk = new WindowKey<TKey>(key, mergedStart, mergedEnd);
            if (mergedEnd - 1 > _watermark)
            {
                session.State.FiredOnTime = false;
                _timers.Add(wk, mergedEnd - 1);
            }
            else
            {
                session.State.FiredOnTime = true;
                _timers.Add(wk, panes.CleanupTime(mergedEnd));
            }
        }

        panes.AfterElement(key, session.Start, session.End, ref session.State);
    }

    public override void OnWatermark(long watermark)
    {
        _watermark = watermark;
        while (_timers.TryPopDue(watermark, out var wk, out _))
        {
            if (!_sessions.TryGetValue(wk.Key, out var list)) continue;
            int index = list.FindIndex(s => s.Start == wk.Start && s.End == wk.End);
            if (index < 0) continue;
            var session = list[index];
            bool fired = false;
            if (!session.State.FiredOnTime)
            {
                panes.Emit(wk.Key, session.Start, session.End, ref session.State, PaneTiming.OnTime);
                session.State.FiredOnTime = true;
                fired = true;
            }

            long cleanup = panes.CleanupTime(session.End);
            if (cleanup <= watermark)
            {
                list.RemoveAt(index);
                if (list.Count == 0) _sessions.Remove(wk.Key);
            }
            else if (fired)
            {
                _timers.Add(wk, cleanup);
            }
        }

        ReleaseBarriers(watermark);
        panes.Watermark(watermark);
    }

    public override void OnProcessingTime(long utcTicks)
    {
        panes.Output.ProcessingTime(utcTicks);
        if (panes.EarlyInterval is not { } interval || utcTicks < _nextEarly) return;
        _nextEarly = utcTicks + interval.Ticks;
        foreach (var (key, list) in _sessions)
        {
            foreach (var session in list)
            {
                if (session.State.SinceLastPane > 0 && !session.State.FiredOnTime)
                {
                    panes.Emit(key, session.Start, session.End, ref session.State, PaneTiming.Early);
                }
            }
        }

        panes.Flush();
    }

    public override void OnIdle() => panes.Idle();

    public override void OnEnd() => panes.End();

    protected override long StateHorizon => _maxCleanup;

    protected override long BarrierWatermark => _watermark;

    /// <summary>A session that started by the barrier's horizon may hold elements from before it and may have grown since.</summary>
    protected override long RecheckHorizon(long horizon)
    {
        long latest = EventTime.MinWatermark;
        foreach (var list in _sessions.Values)
        {
            foreach (var session in list)
            {
                if (session.Start <= horizon) latest = Math.Max(latest, panes.CleanupTime(session.End));
            }
        }

        return latest;
    }

    protected override void PassBarrier(long checkpoint) => panes.Barrier(checkpoint);
}
