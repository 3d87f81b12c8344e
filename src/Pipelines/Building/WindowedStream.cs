using System.Numerics;
using Pipelines.Plan;
using Pipelines.Windowing;

namespace Pipelines;

/// <summary>
/// A keyed stream grouped into windows, with its trigger settings. Each setting returns a new stream; finish
/// with <see cref="Aggregate{TAcc,TResult}"/>, <see cref="Reduce"/> or a shortcut such as <see cref="Count"/>.
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

    /// <summary>Aggregates each key's window with <paramref name="aggregator"/>; see <see cref="Aggregations"/>.</summary>
    /// <typeparam name="TAcc">The accumulator type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="aggregator">The aggregation.</param>
    public WindowResultStream<T, TKey, TResult> Aggregate<TAcc, TResult>(IAggregator<T, TAcc, TResult> aggregator)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        var stream = _keyed.Stream;
        var builder = stream.Builder;
        var node = WindowAggregateNode.Create(builder.NextId, stream.Node, _keyed.KeySelector, _assigner, _trigger, aggregator);
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

    private WindowedStream<T, TKey> With(TriggerSpec trigger)
    {
        _keyed.Stream.Builder.EnsureOpen();
        return new WindowedStream<T, TKey>(_keyed, _assigner, trigger);
    }
}
