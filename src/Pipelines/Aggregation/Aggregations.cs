using System.Numerics;
using Pipelines.Aggregation;

namespace Pipelines;

/// <summary>Built-in <see cref="IAggregator{TIn,TAcc,TOut}"/> implementations.</summary>
public static class Aggregations
{
    /// <summary>The number of elements.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public static IAggregator<T, long, long> Count<T>() => CountAggregator<T>.Instance;

    /// <summary>The sum of a numeric projection; overflow fails the run.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TValue">A numeric type.</typeparam>
    /// <param name="selector">The value to sum.</param>
    public static IAggregator<T, TValue, TValue> Sum<T, TValue>(Func<T, TValue> selector)
        where TValue : INumber<TValue>
        => new SumAggregator<T, TValue>(NotNull(selector));

    /// <summary>The smallest value of a projection.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TValue">A comparable type.</typeparam>
    /// <param name="selector">The value to compare.</param>
    public static IAggregator<T, object, TValue> Min<T, TValue>(Func<T, TValue> selector)
        where TValue : IComparable<TValue>
        => Boxed(new MinMaxAggregator<T, TValue>(NotNull(selector), max: false));

    /// <summary>The largest value of a projection.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TValue">A comparable type.</typeparam>
    /// <param name="selector">The value to compare.</param>
    public static IAggregator<T, object, TValue> Max<T, TValue>(Func<T, TValue> selector)
        where TValue : IComparable<TValue>
        => Boxed(new MinMaxAggregator<T, TValue>(NotNull(selector), max: true));

    /// <summary>The arithmetic mean of a numeric projection.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TValue">A numeric type.</typeparam>
    /// <param name="selector">The value to average.</param>
    public static IAggregator<T, object, double> Average<T, TValue>(Func<T, TValue> selector)
        where TValue : INumber<TValue>
        => Boxed(new AverageAggregator<T, TValue>(NotNull(selector)));

    /// <summary>The arithmetic mean of a <see cref="decimal"/> projection, as <see cref="decimal"/> (money stays exact).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="selector">The value to average.</param>
    public static IAggregator<T, object, decimal> Average<T>(Func<T, decimal> selector) => Boxed(new DecimalAverageAggregator<T>(NotNull(selector)));

    /// <summary>
    /// An aggregate from functions, without writing a class: <paramref name="seed"/> starts every window's
    /// accumulator (it is copied as a value, so use an immutable accumulator: a number, a tuple, a record),
    /// <paramref name="add"/> returns the accumulator with an element added, <paramref name="merge"/> combines two
    /// accumulators (needed by session windows, which merge; null otherwise), <paramref name="result"/> makes the result.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TAcc">The accumulator type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="seed">The empty accumulator.</param>
    /// <param name="add">Adds an element.</param>
    /// <param name="merge">Merges two accumulators (associative), or null when no window merges.</param>
    /// <param name="result">The result of an accumulator.</param>
    public static IAggregator<T, TAcc, TResult> Create<T, TAcc, TResult>(TAcc seed, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc>? merge, Func<TAcc, TResult> result) =>
        new FunctionAggregator<T, TAcc, TResult>(seed, NotNull(add), merge, NotNull(result));

    /// <summary>Two aggregates of a window in one pass, as a tuple: <c>Combine(Count&lt;T&gt;(), Sum((T t) =&gt; t.Amount))</c>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TA">The first accumulator type.</typeparam>
    /// <typeparam name="TRA">The first result type.</typeparam>
    /// <typeparam name="TB">The second accumulator type.</typeparam>
    /// <typeparam name="TRB">The second result type.</typeparam>
    /// <param name="first">The first aggregate.</param>
    /// <param name="second">The second aggregate.</param>
    public static IAggregator<T, (TA First, TB Second), (TRA, TRB)> Combine<T, TA, TRA, TB, TRB>(IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second) =>
        new CombinedAggregator<T, TA, TRA, TB, TRB>(NotNull(first), NotNull(second));

    /// <summary>Three aggregates of a window in one pass, as a tuple: count, sum and max at once, say.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TA">The first accumulator type.</typeparam>
    /// <typeparam name="TRA">The first result type.</typeparam>
    /// <typeparam name="TB">The second accumulator type.</typeparam>
    /// <typeparam name="TRB">The second result type.</typeparam>
    /// <typeparam name="TC">The third accumulator type.</typeparam>
    /// <typeparam name="TRC">The third result type.</typeparam>
    /// <param name="first">The first aggregate.</param>
    /// <param name="second">The second aggregate.</param>
    /// <param name="third">The third aggregate.</param>
    public static IAggregator<T, (TA First, TB Second, TC Third), (TRA, TRB, TRC)> Combine<T, TA, TRA, TB, TRB, TC, TRC>(
        IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second, IAggregator<T, TC, TRC> third) =>
        new CombinedAggregator<T, TA, TRA, TB, TRB, TC, TRC>(NotNull(first), NotNull(second), NotNull(third));

    /// <summary>The element with the earliest event time in the window (ties: the one that arrived first).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public static IAggregator<T, object, T> First<T>() => Boxed(new FirstLastAggregator<T>(last: false));

    /// <summary>The element with the latest event time in the window (ties: the one that arrived first).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public static IAggregator<T, object, T> Last<T>() => Boxed(new FirstLastAggregator<T>(last: true));

    /// <summary>The <paramref name="k"/> elements with the largest projection, largest first.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TValue">A comparable type.</typeparam>
    /// <param name="k">How many to keep; must be positive.</param>
    /// <param name="selector">The value to rank by.</param>
    public static IAggregator<T, object, IReadOnlyList<T>> TopK<T, TValue>(int k, Func<T, TValue> selector)
        where TValue : IComparable<TValue>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        return Boxed(new TopKAggregator<T, TValue>(k, NotNull(selector)));
    }

    /// <summary>Combines elements pairwise with an associative function.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="reducer">An associative function.</param>
    public static IAggregator<T, object, T> Reduce<T>(Func<T, T, T> reducer) => Boxed(new ReduceAggregator<T>(NotNull(reducer)));

    private static IAggregator<T, object, TOut> Boxed<T, TAcc, TOut>(IAggregator<T, TAcc, TOut> inner) => new Erased<T, TAcc, TOut>(inner);

    private static TFunc NotNull<TFunc>(TFunc value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
        where TFunc : class
        => value ?? throw new ArgumentNullException(name);

    /// <summary>
    /// Hides the accumulator type from the public signature. The window operators detect it and run the inner
    /// aggregator unboxed, so the erasure costs nothing per element.
    /// </summary>
    internal sealed class Erased<T, TAcc, TOut>(IAggregator<T, TAcc, TOut> inner) : IAggregator<T, object, TOut>, IErasedAggregator<T, TOut>, IEventTimeAggregator<T, object>, IMayNotMerge
    {
        private readonly IEventTimeAggregator<T, TAcc>? _timed = EventTimeAdd.Of(inner);

        public IAggregator<T, TAcc, TOut> Inner { get; } = inner;

        /// <summary>Whether the inner aggregate uses event time (first, last), as when it is combined with others and stays boxed.</summary>
        public bool UsesEventTime => _timed is not null;

        public object Add(object accumulator, T value, long timestamp) => EventTimeAdd.Add(Inner, _timed, (TAcc)accumulator, value, timestamp)!;

        public bool CanMerge => Mergeable.CanMerge(Inner);

        public object CreateAccumulator() => Inner.CreateAccumulator()!;

        public object Add(object accumulator, T value) => Inner.Add((TAcc)accumulator, value)!;

        public object Merge(object left, object right) => Inner.Merge((TAcc)left, (TAcc)right)!;

        public TOut GetResult(object accumulator) => Inner.GetResult((TAcc)accumulator);

        public TResult Accept<TResult>(IAggregatorVisitor<T, TOut, TResult> visitor) => visitor.Visit(Inner);
    }
}
