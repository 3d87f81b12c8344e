using System.Numerics;
using Pipelines.Plan;
using Pipelines.Windowing;

namespace Pipelines;

/// <summary>
/// A keyed stream grouped into windows, with its trigger settings. Each setting returns a new stream; finish
/// with <see cref="Aggregate{TAcc,TResult}(IAggregator{T,TAcc,TResult})"/>, <see cref="Reduce"/> or a shortcut such as <see cref="Count"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class WindowedStream<T, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T, TKey> _keyed;
    private readonly WindowAssigner _assigner;
    private readonly TriggerSpec _trigger;

    internal WindowedStream(KeyedStream<T, TKey> keyed, WindowAssigner assigner, TriggerSpec trigger)
    {
        _keyed = keyed;
        _assigner = assigner;
        _trigger = trigger;
    }

    /// <summary>
    /// How long after a window's end its state is kept for late elements (default zero). Each element arriving
    /// within that time updates its window and produces a <see cref="PaneTiming.Late"/> pane; later ones are
    /// dropped, counted, and sent to <see cref="WindowResultStream{TIn,TKey,TValue}.LateElements"/> if connected.
    /// </summary>
    /// <param name="lateness">Zero or more.</param>
    public WindowedStream<T, TKey> AllowedLateness(TimeSpan lateness)
    {
        if (lateness < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lateness), lateness, "Allowed lateness must be zero or positive.");
        return With(_trigger with { AllowedLateness = lateness.Ticks });
    }

    /// <summary>Streaming only: also emit an <see cref="PaneTiming.Early"/> pane after every <paramref name="everyElements"/> elements of a window.</summary>
    /// <param name="everyElements">Positive.</param>
    public WindowedStream<T, TKey> EarlyResults(int everyElements)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(everyElements);
        return With(_trigger with { EarlyEveryCount = everyElements });
    }

    /// <summary>Streaming only: also emit an <see cref="PaneTiming.Early"/> pane for every window with new elements each <paramref name="interval"/> of processing time.</summary>
    /// <param name="interval">Positive.</param>
    public WindowedStream<T, TKey> EarlyResults(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "The early-result interval must be positive.");
        return With(_trigger with { EarlyInterval = interval });
    }

    /// <summary>
    /// Each pane holds only the elements since the previous pane, instead of everything so far (accumulating,
    /// the default). The final-result guarantee between executors is stated for accumulating panes.
    /// </summary>
    public WindowedStream<T, TKey> DiscardingPanes() => With(_trigger with { Discarding = true });

    /// <summary>
    /// When the windows emit results: <c>.Trigger(Triggers.Count(100).Or(Triggers.ProcessingTime(TimeSpan.FromSeconds(5))))</c>.
    /// Replaces the default trigger (on the watermark) and any <see cref="EarlyResults(int)"/>; see <see cref="Pipelines.Trigger"/>
    /// for what fires when, on which executor. A window whose trigger does not fire on the watermark still emits a last
    /// pane when the watermark passes its end if elements came since its previous pane, so none is lost.
    /// On <see cref="Windows.Global"/> a count trigger gives per-key batches: <c>.Trigger(Triggers.Count(100).Purging())</c>.
    /// </summary>
    /// <param name="trigger">The trigger; see <see cref="Triggers"/>.</param>
    public WindowedStream<T, TKey> Trigger(Trigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        if (_assigner is CountWindows)
        {
            throw new InvalidOperationException("Count windows fire on their own count: a trigger cannot be set on them. Use Windows.Global() with .Trigger(Triggers.Count(n)) to combine a count with other triggers.");
        }

        return With(_trigger with
        {
            EarlyEveryCount = trigger.EveryCount,
            EarlyInterval = trigger.EveryInterval,
            FireOnWatermark = trigger.OnWatermark,
            CountOnBothExecutors = true,
            Discarding = _trigger.Discarding || trigger.IsPurging,
        });
    }

    /// <summary>Aggregates each key's window with <paramref name="aggregator"/>; see <see cref="Aggregations"/>.</summary>
    /// <typeparam name="TAcc">The accumulator type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="aggregator">The aggregation.</param>
    public WindowResultStream<T, TKey, TResult> Aggregate<TAcc, TResult>(IAggregator<T, TAcc, TResult> aggregator)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        if (_assigner.IsMerging && !Aggregation.Mergeable.CanMerge(aggregator))
        {
            throw new ArgumentException(
                "Session windows merge accumulators when sessions meet, and this aggregate (or a part of a Combine) was made without a merge function: " +
                "pass one to Aggregations.Create(seed, add, merge, result) or use Aggregate(seed, add, merge, result).",
                nameof(aggregator));
        }

        var stream = _keyed.Stream;
        if (!stream.HasEventTime && Aggregation.EventTimeAdd.Of(aggregator) is not null)
        {
            throw new InvalidOperationException(
                $"First and Last pick elements by event time, and the elements of stream '{stream.Name}' have none (every time would tie): " +
                "call WithEventTime(e => e.Time, ...) before KeyBy, or pick by a field with Aggregations.Reduce.");
        }

        var builder = stream.Builder;
        var node = WindowAggregateNode.Create(builder.NextId, stream.Node, _keyed.KeySelector, _keyed.KeyComparer, _assigner, _trigger, aggregator);
        builder.Add(node);
        return new WindowResultStream<T, TKey, TResult>(builder, node, ((IWindowAggregateNode<T>)node).LateOutput);
    }

    /// <summary>Combines each key's window pairwise with an associative function.</summary>
    /// <param name="reducer">An associative function.</param>
    public WindowResultStream<T, TKey, T> Reduce(Func<T, T, T> reducer) => Aggregate(Aggregations.Reduce(reducer));

    /// <summary>The number of elements per key and window.</summary>
    public WindowResultStream<T, TKey, long> Count() => Aggregate(Aggregations.Count<T>());

    /// <summary>The sum of a projection per key and window.</summary>
    /// <typeparam name="TValue">A numeric type.</typeparam>
    /// <param name="selector">The value to sum.</param>
    public WindowResultStream<T, TKey, TValue> Sum<TValue>(Func<T, TValue> selector)
        where TValue : INumber<TValue>
        => Aggregate(Aggregations.Sum(selector));

    /// <summary>The smallest value of a projection per key and window.</summary>
    /// <typeparam name="TValue">A comparable type.</typeparam>
    /// <param name="selector">The value to compare.</param>
    public WindowResultStream<T, TKey, TValue> Min<TValue>(Func<T, TValue> selector)
        where TValue : IComparable<TValue>
        => Aggregate(Aggregations.Min(selector));

    /// <summary>The largest value of a projection per key and window.</summary>
    /// <typeparam name="TValue">A comparable type.</typeparam>
    /// <param name="selector">The value to compare.</param>
    public WindowResultStream<T, TKey, TValue> Max<TValue>(Func<T, TValue> selector)
        where TValue : IComparable<TValue>
        => Aggregate(Aggregations.Max(selector));

    /// <summary>The mean of a projection per key and window.</summary>
    /// <typeparam name="TValue">A numeric type.</typeparam>
    /// <param name="selector">The value to average.</param>
    public WindowResultStream<T, TKey, double> Average<TValue>(Func<T, TValue> selector)
        where TValue : INumber<TValue>
        => Aggregate(Aggregations.Average(selector));

    /// <summary>The mean of a <see cref="decimal"/> projection per key and window, kept as <see cref="decimal"/>.</summary>
    /// <param name="selector">The value to average.</param>
    public WindowResultStream<T, TKey, decimal> Average(Func<T, decimal> selector) => Aggregate(Aggregations.Average(selector));

    /// <summary>
    /// Aggregates each key's window with functions, without writing an <see cref="IAggregator{TIn,TAcc,TOut}"/>:
    /// <c>.Aggregate((Count: 0, Total: 0m), (a, t) =&gt; (a.Count + 1, a.Total + t.Amount), a =&gt; a.Total / a.Count)</c>.
    /// The seed is copied as a value into every window, so use an immutable accumulator. Session windows merge
    /// accumulators: use the overload with a merge function for them.
    /// </summary>
    /// <typeparam name="TAcc">The accumulator type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="seed">The empty accumulator.</param>
    /// <param name="add">Returns the accumulator with an element added.</param>
    /// <param name="result">The result of an accumulator.</param>
    public WindowResultStream<T, TKey, TResult> Aggregate<TAcc, TResult>(TAcc seed, Func<TAcc, T, TAcc> add, Func<TAcc, TResult> result)
    {
        if (_assigner is SessionWindows)
        {
            throw new ArgumentException(
                "Session windows merge accumulators when sessions meet: use Aggregate(seed, add, merge, result) with a merge function.", nameof(add));
        }

        return Aggregate(Aggregations.Create(seed, add, null, result));
    }

    /// <summary>Aggregates each key's window with functions, <paramref name="merge"/> combining two accumulators (sessions that meet).</summary>
    /// <typeparam name="TAcc">The accumulator type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="seed">The empty accumulator, copied as a value into every window.</param>
    /// <param name="add">Returns the accumulator with an element added.</param>
    /// <param name="merge">Combines two accumulators; associative.</param>
    /// <param name="result">The result of an accumulator.</param>
    public WindowResultStream<T, TKey, TResult> Aggregate<TAcc, TResult>(TAcc seed, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc> merge, Func<TAcc, TResult> result)
    {
        ArgumentNullException.ThrowIfNull(merge);
        return Aggregate(Aggregations.Create(seed, add, merge, result));
    }

    /// <summary>Two aggregates per key and window in one pass, as a tuple: <c>.Aggregate(Aggregations.Count&lt;T&gt;(), Aggregations.Sum((T t) =&gt; t.Amount))</c>.</summary>
    /// <typeparam name="TA">The first accumulator type.</typeparam>
    /// <typeparam name="TRA">The first result type.</typeparam>
    /// <typeparam name="TB">The second accumulator type.</typeparam>
    /// <typeparam name="TRB">The second result type.</typeparam>
    /// <param name="first">The first aggregate.</param>
    /// <param name="second">The second aggregate.</param>
    public WindowResultStream<T, TKey, (TRA, TRB)> Aggregate<TA, TRA, TB, TRB>(IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second) =>
        Aggregate(Aggregations.Combine(first, second));

    /// <summary>Three aggregates per key and window in one pass, as a tuple (count, sum and max at once, say).</summary>
    /// <typeparam name="TA">The first accumulator type.</typeparam>
    /// <typeparam name="TRA">The first result type.</typeparam>
    /// <typeparam name="TB">The second accumulator type.</typeparam>
    /// <typeparam name="TRB">The second result type.</typeparam>
    /// <typeparam name="TC">The third accumulator type.</typeparam>
    /// <typeparam name="TRC">The third result type.</typeparam>
    /// <param name="first">The first aggregate.</param>
    /// <param name="second">The second aggregate.</param>
    /// <param name="third">The third aggregate.</param>
    public WindowResultStream<T, TKey, (TRA, TRB, TRC)> Aggregate<TA, TRA, TB, TRB, TC, TRC>(
        IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second, IAggregator<T, TC, TRC> third) =>
        Aggregate(Aggregations.Combine(first, second, third));

    private WindowedStream<T, TKey> With(TriggerSpec trigger)
    {
        _keyed.Stream.Builder.EnsureOpen();
        if (_assigner is CountWindows && (trigger.AllowedLateness > 0 || trigger.EarlyEveryCount > 0 || trigger.EarlyInterval is not null))
        {
            throw new InvalidOperationException(
                "Count windows emit each window once, when it is full: allowed lateness and early results do not apply to them. For a count combined with other triggers use Windows.Global() with .Trigger(Triggers.Count(n).Or(...)).");
        }

        if (_assigner is ProcessingTimeWindows && trigger.AllowedLateness > 0)
        {
            throw new InvalidOperationException("Processing-time windows close on the clock, so no element is late for them: allowed lateness does not apply.");
        }

        return new WindowedStream<T, TKey>(_keyed, _assigner, trigger);
    }
}
