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
    internal sealed class Erased<T, TAcc, TOut>(IAggregator<T, TAcc, TOut> inner) : IAggregator<T, object, TOut>, IErasedAggregator<T, TOut>
    {
        public IAggregator<T, TAcc, TOut> Inner { get; } = inner;

        public object CreateAccumulator() => Inner.CreateAccumulator()!;

        public object Add(object accumulator, T value) => Inner.Add((TAcc)accumulator, value)!;

        public object Merge(object left, object right) => Inner.Merge((TAcc)left, (TAcc)right)!;

        public TOut GetResult(object accumulator) => Inner.GetResult((TAcc)accumulator);

        public TResult Accept<TResult>(IAggregatorVisitor<T, TOut, TResult> visitor) => visitor.Visit(Inner);
    }
}
