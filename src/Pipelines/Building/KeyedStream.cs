using Pipelines.Operators;
using Pipelines.Plan;
using Pipelines.Windowing;

namespace Pipelines;

/// <summary>A stream partitioned by key, ready for windows and joins.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed partial class KeyedStream<T, TKey>
    where TKey : notnull
{
    internal KeyedStream(DataStream<T> stream, Func<T, TKey> keySelector, IEqualityComparer<TKey>? comparer = null)
    {
        Stream = stream;
        KeySelector = keySelector;
        KeyComparer = State.KeyComparers.Normalize(comparer);
    }

    internal DataStream<T> Stream { get; }

    internal Func<T, TKey> KeySelector { get; }

    /// <summary>The key equality given to <see cref="DataStream{T}.KeyBy{TKey}(Func{T, TKey}, IEqualityComparer{TKey})"/>; null for the key type's own.</summary>
    internal IEqualityComparer<TKey>? KeyComparer { get; }

    /// <summary>Groups each key's elements into windows. Needs event time, except for <see cref="Windows.Global"/>, <see cref="Windows.Count"/> and processing-time windows.</summary>
    /// <param name="assigner">The windows; see <see cref="Windows"/>.</param>
    public WindowedStream<T, TKey> Window(WindowAssigner assigner)
    {
        ArgumentNullException.ThrowIfNull(assigner);
        if (assigner is not (GlobalWindows or CountWindows or ProcessingTimeWindows)) RequireEventTime(Stream, "Window");
        Stream.Builder.EnsureOpen();
        return new WindowedStream<T, TKey>(this, assigner, TriggerSpec.Default);
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
        var node = new ProcessNode<T, TKey, TResult>(builder.NextId(), Stream.Node, KeySelector, KeyComparer, createFunction);
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
        var node = new ProcessNode<T, TKey, TAcc>(builder.NextId(), Stream.Node, KeySelector, KeyComparer, () => new ScanFunction<TKey, T, TAcc>(seed, accumulator), "Scan");
        return new DataStream<TAcc>(builder, builder.Add(node));
    }

    /// <summary>
    /// Passes the first element of each key and drops the ones after it: the state grows with the number of
    /// distinct keys, so on an unbounded stream prefer <see cref="Distinct(TimeSpan)"/>.
    /// </summary>
    public DataStream<T> Distinct()
    {
        var builder = Stream.Builder;
        var node = new ProcessNode<T, TKey, T>(builder.NextId(), Stream.Node, KeySelector, KeyComparer, () => new DistinctFunction<TKey, T>(null), "Distinct");
        return new DataStream<T>(builder, builder.Add(node));
    }

    /// <summary>
    /// Deduplication within a horizon: passes an element unless an element of the same key passed less than
    /// <paramref name="within"/> before it (by event time), so a key's state is dropped once the watermark is past
    /// the horizon. Needs event time. With elements of one key out of order, arrival order decides which passes. A
    /// duplicate that arrives after the watermark has passed the earlier element's time plus the horizon finds no
    /// state and passes again (a batch run, where nothing is late, drops it): for late data, give a horizon at least
    /// as long as how late a duplicate may come (the watermark's out-of-orderness bound and more).
    /// </summary>
    /// <param name="within">Positive.</param>
    public DataStream<T> Distinct(TimeSpan within)
    {
        if (within <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(within), within, "The deduplication horizon must be positive.");
        RequireEventTime(Stream, "Distinct(within)");
        var builder = Stream.Builder;
        var node = new ProcessNode<T, TKey, T>(builder.NextId(), Stream.Node, KeySelector, KeyComparer, () => new DistinctFunction<TKey, T>(within), "Distinct");
        return new DataStream<T>(builder, builder.Add(node));
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
