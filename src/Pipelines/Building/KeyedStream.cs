using Pipelines.Operators;
using Pipelines.Plan;
using Pipelines.Windowing;

namespace Pipelines;

/// <summary>A stream partitioned by key, ready for windows and joins.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class KeyedStream<T, TKey>
    where TKey : notnull
{
    internal KeyedStream(DataStream<T> stream, Func<T, TKey> keySelector)
    {
        Stream = stream;
        KeySelector = keySelector;
    }

    internal DataStream<T> Stream { get; }

    internal Func<T, TKey> KeySelector { get; }

    /// <summary>Groups each key's elements into windows. Needs event time, except for <see cref="Windows.Global"/>.</summary>
    /// <param name="assigner">The windows; see <see cref="Windows"/>.</param>
    public WindowedStream<T, TKey> Window(WindowAssigner assigner)
    {
        ArgumentNullException.ThrowIfNull(assigner);
        if (assigner is not GlobalWindows) RequireEventTime(Stream, "Window");
        Stream.Builder.EnsureOpen();
        return new WindowedStream<T, TKey>(this, assigner, TriggerSpec.Default);
    }

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
    /// <param name="window">Tumbling, sliding or global windows.</param>
    /// <param name="resultSelector">Combines a left and a right element.</param>
    /// <param name="allowedLateness">How long after a window fired its elements are kept for late arrivals; not negative. Default: none.</param>
    public JoinResultStream<T, TRight, TResult> Join<TRight, TResult>(KeyedStream<TRight, TKey> other, WindowAssigner window, Func<T, TRight, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        RequireLateness(allowedLateness);
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(resultSelector);
        if (window.IsMerging) throw new ArgumentException("A windowed join needs non-merging windows (tumbling, sliding or global); session windows are not supported.", nameof(window));
        Stream.RequireSameBuilder(other.Stream, nameof(other));
        if (window is not GlobalWindows)
        {
            RequireEventTime(Stream, "Join");
            RequireEventTime(other.Stream, "Join");
        }

        var builder = Stream.Builder;
        var node = new WindowJoinNode<T, TRight, TKey, TResult>(builder.NextId, Stream.Node, KeySelector, other.Stream.Node, other.KeySelector, window, allowedLateness.Ticks, resultSelector);
        return new JoinResultStream<T, TRight, TResult>(builder, builder.Add(node), node);
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
    /// <param name="allowedLateness">How far behind the watermark an element may still arrive and be matched; not negative. Default: none.</param>
    public JoinResultStream<T, TRight, TResult> IntervalJoin<TRight, TResult>(KeyedStream<TRight, TKey> other, TimeSpan lowerBound, TimeSpan upperBound, Func<T, TRight, TResult> resultSelector, TimeSpan allowedLateness = default)
    {
        RequireLateness(allowedLateness);
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(resultSelector);
        if (upperBound < lowerBound)
        {
            throw new ArgumentOutOfRangeException(nameof(upperBound), upperBound, $"The interval join's upper bound must not be less than its lower bound ({lowerBound}).");
        }

        Stream.RequireSameBuilder(other.Stream, nameof(other));
        RequireEventTime(Stream, "IntervalJoin");
        RequireEventTime(other.Stream, "IntervalJoin");
        var builder = Stream.Builder;
        var node = new IntervalJoinNode<T, TRight, TKey, TResult>(builder.NextId, Stream.Node, KeySelector, other.Stream.Node, other.KeySelector, lowerBound.Ticks, upperBound.Ticks, allowedLateness.Ticks, resultSelector);
        return new JoinResultStream<T, TRight, TResult>(builder, builder.Add(node), node);
    }

    /// <summary>
    /// Runs your own stateful logic per key: a <see cref="KeyedProcessFunction{TKey,TIn,TResult}"/> with value, list
    /// and map state per key, event-time and processing-time timers, and any number of results per element or timer.
    /// Runs on both executors; with the same input, the results after the end of input are the same.
    /// </summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="createFunction">Creates one function instance per worker of the stage (state handles live on the instance).</param>
    public DataStream<TResult> Process<TResult>(Func<KeyedProcessFunction<TKey, T, TResult>> createFunction)
    {
        ArgumentNullException.ThrowIfNull(createFunction);
        var builder = Stream.Builder;
        var node = new ProcessNode<T, TKey, TResult>(builder.NextId(), Stream.Node, KeySelector, createFunction);
        return new DataStream<TResult>(builder, builder.Add(node));
    }

    /// <summary>
    /// A running aggregate per key: after each element, the key's accumulator so far (like Rx's <c>Scan</c>, per
    /// key). <paramref name="accumulator"/> should return a new value rather than change the one it is given,
    /// since <paramref name="seed"/> starts every key. The results of a key follow its elements' arrival order.
    /// </summary>
    /// <typeparam name="TAcc">The accumulator type.</typeparam>
    /// <param name="seed">Every key's starting value.</param>
    /// <param name="accumulator">Combines the key's accumulator with an element.</param>
    public DataStream<TAcc> Scan<TAcc>(TAcc seed, Func<TAcc, T, TAcc> accumulator)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        var builder = Stream.Builder;
        var node = new ProcessNode<T, TKey, TAcc>(builder.NextId(), Stream.Node, KeySelector, () => new ScanFunction<TKey, T, TAcc>(seed, accumulator), "Scan");
        return new DataStream<TAcc>(builder, builder.Add(node));
    }

    /// <summary>
    /// Passes the first element of each key and drops the ones after it: the state grows with the number of
    /// distinct keys, so on an unbounded stream prefer <see cref="Distinct(TimeSpan)"/>.
    /// </summary>
    public DataStream<T> Distinct()
    {
        var builder = Stream.Builder;
        var node = new ProcessNode<T, TKey, T>(builder.NextId(), Stream.Node, KeySelector, () => new DistinctFunction<TKey, T>(null), "Distinct");
        return new DataStream<T>(builder, builder.Add(node));
    }

    /// <summary>
    /// Deduplication within a horizon: passes an element unless an element of the same key passed less than
    /// <paramref name="within"/> before it (by event time), so a key's state is dropped once the watermark is past
    /// the horizon. Needs event time. With elements of one key out of order, arrival order decides which passes.
    /// </summary>
    /// <param name="within">Positive.</param>
    public DataStream<T> Distinct(TimeSpan within)
    {
        if (within <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(within), within, "The deduplication horizon must be positive.");
        RequireEventTime(Stream, "Distinct(within)");
        var builder = Stream.Builder;
        var node = new ProcessNode<T, TKey, T>(builder.NextId(), Stream.Node, KeySelector, () => new DistinctFunction<TKey, T>(within), "Distinct");
        return new DataStream<T>(builder, builder.Add(node));
    }

    private static void RequireLateness(TimeSpan allowedLateness)
    {
        if (allowedLateness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(allowedLateness), allowedLateness, "Allowed lateness must not be negative; use TimeSpan.Zero for none.");
        }
    }

    private static void RequireEventTime<TElement>(DataStream<TElement> stream, string operation)
    {
        if (!stream.HasEventTime)
        {
            throw new InvalidOperationException(
                $"{operation} on stream '{stream.Name}' needs event time, and its elements have none: call WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(...)) before KeyBy.");
        }
    }
}
