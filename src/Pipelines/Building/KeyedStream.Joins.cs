using Pipelines.Operators;
using Pipelines.Plan;
using Pipelines.Windowing;

namespace Pipelines;

/// <summary>Joins and co-groups of two keyed streams.</summary>
public sealed partial class KeyedStream<T, TKey>
{
    /// <summary>
    /// Pairs elements of this stream and <paramref name="other"/> with the same key in the same window, when the
    /// watermark passes the window's end. Sessions are not supported here. Results carry the window's last timestamp.
    /// Lateness follows the window rules: a window's elements are kept for <paramref name="allowedLateness"/> after
    /// it fired, and an element arriving in that time is paired at once with the other side's elements (each pair
    /// is emitted once); later elements are counted and sent to
    /// <see cref="JoinResultStream{TLeft,TRight,TResult}.LateLeftElements"/> / <c>LateRightElements</c>.
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="window">Event-time windows: tumbling, sliding or global (session, count and processing-time windows are refused).</param>
    /// <param name="resultSelector">Combines a left and a right element.</param>
    /// <param name="allowedLateness">How long after a window fired its elements are kept for late arrivals; not negative. Default: none.</param>
    public JoinResultStream<T, TRight, TResult> Join<TRight, TResult>(KeyedStream<TRight, TKey> other, WindowAssigner window, Func<T, TRight, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddWindowJoin("Join", other, window, new JoinPairing<T, TRight, TKey, TResult>(JoinKind.Inner, (l, r) => resultSelector(l!, r!)), allowedLateness);
    }

    /// <summary>
    /// Like <see cref="Join{TRight,TResult}"/>, and a left element with no right element of its key in its window
    /// is emitted too, with <c>default</c> for the right (as LINQ's <c>LeftJoin</c>).
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="window">Event-time windows: tumbling, sliding or global (session, count and processing-time windows are refused).</param>
    /// <param name="resultSelector">Combines a left element and a right one, or <c>default</c> when there is none.</param>
    /// <param name="allowedLateness">How long after a window fired its elements are kept for late arrivals; not negative. Default: none.</param>
    public JoinResultStream<T, TRight, TResult> LeftJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, WindowAssigner window, Func<T, TRight?, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddWindowJoin("LeftJoin", other, window, new JoinPairing<T, TRight, TKey, TResult>(JoinKind.LeftOuter, (l, r) => resultSelector(l!, r)), allowedLateness);
    }

    /// <summary>
    /// Like <see cref="Join{TRight,TResult}"/>, and a right element with no left element of its key in its window
    /// is emitted too, with <c>default</c> for the left (as LINQ's <c>RightJoin</c>).
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="window">Event-time windows: tumbling, sliding or global (session, count and processing-time windows are refused).</param>
    /// <param name="resultSelector">Combines a left element, or <c>default</c> when there is none, and a right one.</param>
    /// <param name="allowedLateness">How long after a window fired its elements are kept for late arrivals; not negative. Default: none.</param>
    public JoinResultStream<T, TRight, TResult> RightJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, WindowAssigner window, Func<T?, TRight, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddWindowJoin("RightJoin", other, window, new JoinPairing<T, TRight, TKey, TResult>(JoinKind.RightOuter, (l, r) => resultSelector(l, r!)), allowedLateness);
    }

    /// <summary>
    /// Like <see cref="Join{TRight,TResult}"/>, and an element of either side with no partner of its key in its
    /// window is emitted too, with <c>default</c> for the missing side.
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="window">Event-time windows: tumbling, sliding or global (session, count and processing-time windows are refused).</param>
    /// <param name="resultSelector">Combines a left and a right element, either <c>default</c> when there is none.</param>
    /// <param name="allowedLateness">How long after a window fired its elements are kept for late arrivals; not negative. Default: none.</param>
    public JoinResultStream<T, TRight, TResult> FullJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, WindowAssigner window, Func<T?, TRight?, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddWindowJoin("FullJoin", other, window, new JoinPairing<T, TRight, TKey, TResult>(JoinKind.FullOuter, resultSelector), allowedLateness);
    }

    /// <summary>
    /// Groups both streams by key and window: when the watermark passes a window's end, <paramref name="coGroup"/>
    /// gets the key and every element of each side in that window (either list may be empty) and returns the
    /// results, which carry the window's last timestamp. With an allowed lateness, each late element within it calls
    /// <paramref name="coGroup"/> again with all the window's elements so far.
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="window">Event-time windows: tumbling, sliding or global (session, count and processing-time windows are refused).</param>
    /// <param name="coGroup">Turns a key's left and right elements of one window into results.</param>
    /// <param name="allowedLateness">How long after a window fired its elements are kept for late arrivals; not negative. Default: none.</param>
    public JoinResultStream<T, TRight, TResult> CoGroup<TRight, TResult>(KeyedStream<TRight, TKey> other, WindowAssigner window, Func<TKey, IReadOnlyList<T>, IReadOnlyList<TRight>, IEnumerable<TResult>> coGroup, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(coGroup);
        return AddWindowJoin("CoGroup", other, window, new CoGroupPairing<T, TRight, TKey, TResult>(coGroup), allowedLateness);
    }

    /// <summary>
    /// Pairs each element <c>l</c> of this stream with every element <c>r</c> of <paramref name="other"/> with the
    /// same key and <c>l.t + lowerBound &lt;= r.t &lt;= l.t + upperBound</c>, as soon as both have arrived. The
    /// result's event time is the later of the two. An element is late when its time plus
    /// <paramref name="allowedLateness"/> is at or behind the watermark: it is counted and sent to
    /// <see cref="JoinResultStream{TLeft,TRight,TResult}.LateLeftElements"/> / <c>LateRightElements</c>; elements are
    /// kept until no element that is not late can match them.
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="lowerBound">Earliest right time relative to the left element (may be negative).</param>
    /// <param name="upperBound">Latest right time relative to the left element; not less than <paramref name="lowerBound"/>.</param>
    /// <param name="resultSelector">Combines a left and a right element.</param>
    /// <param name="allowedLateness">How far behind the watermark an element may still arrive and be matched; not negative. Default: none. The watermark the join passes on is held back by as much, so that a pair of such elements is not late after the join.</param>
    public JoinResultStream<T, TRight, TResult> IntervalJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, TimeSpan lowerBound, TimeSpan upperBound, Func<T, TRight, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddIntervalJoin("IntervalJoin", other, lowerBound, upperBound, JoinKind.Inner, (l, r) => resultSelector(l!, r!), allowedLateness);
    }

    /// <summary>
    /// Like <see cref="IntervalJoin{TRight,TResult}"/>, and a left element that found no right element in its
    /// interval by the time it can no longer match is emitted then, with <c>default</c> for the right, at its own
    /// event time. The watermark the join passes on is held back by <paramref name="upperBound"/> plus the allowed
    /// lateness, so that such an element is not late for a window after the join.
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="lowerBound">Earliest right time relative to the left element (may be negative).</param>
    /// <param name="upperBound">Latest right time relative to the left element; not less than <paramref name="lowerBound"/>.</param>
    /// <param name="resultSelector">Combines a left element and a right one, or <c>default</c> when there is none.</param>
    /// <param name="allowedLateness">How far behind the watermark an element may still arrive and be matched; not negative. Default: none. The watermark the join passes on is held back by as much, so that a pair of such elements is not late after the join.</param>
    public JoinResultStream<T, TRight, TResult> LeftIntervalJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, TimeSpan lowerBound, TimeSpan upperBound, Func<T, TRight?, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddIntervalJoin("LeftIntervalJoin", other, lowerBound, upperBound, JoinKind.LeftOuter, (l, r) => resultSelector(l!, r), allowedLateness);
    }

    /// <summary>
    /// Like <see cref="IntervalJoin{TRight,TResult}"/>, and a right element that no left element matched by the
    /// time it can no longer be matched is emitted then, with <c>default</c> for the left, at its own event time.
    /// The watermark the join passes on is held back by −<paramref name="lowerBound"/> plus the allowed lateness, so
    /// that such an element is not late for a window after the join.
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="lowerBound">Earliest right time relative to the left element (may be negative).</param>
    /// <param name="upperBound">Latest right time relative to the left element; not less than <paramref name="lowerBound"/>.</param>
    /// <param name="resultSelector">Combines a left element, or <c>default</c> when there is none, and a right one.</param>
    /// <param name="allowedLateness">How far behind the watermark an element may still arrive and be matched; not negative. Default: none. The watermark the join passes on is held back by as much, so that a pair of such elements is not late after the join.</param>
    public JoinResultStream<T, TRight, TResult> RightIntervalJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, TimeSpan lowerBound, TimeSpan upperBound, Func<T?, TRight, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddIntervalJoin("RightIntervalJoin", other, lowerBound, upperBound, JoinKind.RightOuter, (l, r) => resultSelector(l, r!), allowedLateness);
    }

    /// <summary>
    /// Like <see cref="IntervalJoin{TRight,TResult}"/>, and an element of either side that found no partner by the
    /// time it can no longer match is emitted then, with <c>default</c> for the other side, at its own event time.
    /// The watermark the join passes on is held back by the larger of <paramref name="upperBound"/> and
    /// −<paramref name="lowerBound"/>, plus the allowed lateness, so that such an element is not late for a window
    /// after the join.
    /// </summary>
    /// <typeparam name="TRight">The other stream's element type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="other">The right-hand stream, keyed by the same key type.</param>
    /// <param name="lowerBound">Earliest right time relative to the left element (may be negative).</param>
    /// <param name="upperBound">Latest right time relative to the left element; not less than <paramref name="lowerBound"/>.</param>
    /// <param name="resultSelector">Combines a left and a right element, either <c>default</c> when there is none.</param>
    /// <param name="allowedLateness">How far behind the watermark an element may still arrive and be matched; not negative. Default: none. The watermark the join passes on is held back by as much, so that a pair of such elements is not late after the join.</param>
    public JoinResultStream<T, TRight, TResult> FullIntervalJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, TimeSpan lowerBound, TimeSpan upperBound, Func<T?, TRight?, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddIntervalJoin("FullIntervalJoin", other, lowerBound, upperBound, JoinKind.FullOuter, resultSelector, allowedLateness);
    }

    private JoinResultStream<T, TRight, TResult> AddWindowJoin<TRight, TResult>(string verb, KeyedStream<TRight, TKey> other, WindowAssigner window, WindowPairing<T, TRight, TKey, TResult> pairing, TimeSpan allowedLateness)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(window);
        RequireLateness(allowedLateness);
        if (window.IsMerging) throw new ArgumentException($"{verb} needs non-merging windows (tumbling, sliding or global); session windows are not supported.", nameof(window));
        if (window is CountWindows)
        {
            throw new ArgumentException(
                $"{verb} pairs elements by event-time window; count windows are not supported (a count window closes on one side's count alone). " +
                "Use tumbling, sliding or global windows, or join first and count the results with Window(Windows.Count(n)).",
                nameof(window));
        }

        if (window is ProcessingTimeWindows)
        {
            throw new ArgumentException(
                $"{verb} pairs elements by event-time window; processing-time windows are not supported. Use Windows.Tumbling or Windows.Sliding " +
                "after WithEventTime on both inputs (an arrival time taken in WithEventTime gives windows of arrival time).",
                nameof(window));
        }

        Stream.RequireSameBuilder(other.Stream, nameof(other));
        if (window is not GlobalWindows)
        {
            RequireEventTime(Stream, verb);
            RequireEventTime(other.Stream, verb);
        }

        var builder = Stream.Builder;
        var node = new WindowJoinNode<T, TRight, TKey, TResult>(builder.NextId, verb, Stream.Node, KeySelector, other.Stream.Node, other.KeySelector, SharedComparer(other), window, allowedLateness.Ticks, pairing);
        return new JoinResultStream<T, TRight, TResult>(builder, builder.Add(node), node);
    }

    private JoinResultStream<T, TRight, TResult> AddIntervalJoin<TRight, TResult>(string verb, KeyedStream<TRight, TKey> other, TimeSpan lowerBound, TimeSpan upperBound, JoinKind kind, Func<T?, TRight?, TResult> selector, TimeSpan allowedLateness)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireLateness(allowedLateness);
        if (upperBound < lowerBound)
        {
            throw new ArgumentOutOfRangeException(nameof(upperBound), upperBound, $"The interval join's upper bound must not be less than its lower bound ({lowerBound}).");
        }

        Stream.RequireSameBuilder(other.Stream, nameof(other));
        RequireEventTime(Stream, verb);
        RequireEventTime(other.Stream, verb);
        var builder = Stream.Builder;
        var node = new IntervalJoinNode<T, TRight, TKey, TResult>(builder.NextId, verb, Stream.Node, KeySelector, other.Stream.Node, other.KeySelector, SharedComparer(other), lowerBound.Ticks, upperBound.Ticks, allowedLateness.Ticks, kind, selector);
        return new JoinResultStream<T, TRight, TResult>(builder, builder.Add(node), node);
    }

    /// <summary>The key equality of a join: both sides must compare keys alike, or a key could meet only some of its matches.</summary>
    private IEqualityComparer<TKey>? SharedComparer<TRight>(KeyedStream<TRight, TKey> other)
    {
        if (State.KeyComparers.Same(KeyComparer, other.KeyComparer)) return KeyComparer;
        throw new ArgumentException(
            $"The two sides of a join compare keys differently ({Describe(KeyComparer)} and {Describe(other.KeyComparer)}): give both KeyBy calls the same comparer, or none.", nameof(other));

        static string Describe(IEqualityComparer<TKey>? comparer) => comparer is null ? "the key type's own equality" : comparer.GetType().Name;
    }

    private static void RequireLateness(TimeSpan allowedLateness)
    {
        if (allowedLateness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(allowedLateness), allowedLateness, "Allowed lateness must not be negative; use TimeSpan.Zero for none.");
        }
    }
}
