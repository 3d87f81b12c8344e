using System.Numerics;

namespace Pipelines.Aggregation;

/// <summary>Sums a numeric projection of the elements (checked: overflow fails the run instead of wrapping).</summary>
internal sealed class SumAggregator<T, TValue>(Func<T, TValue> selector) : IInPlaceAggregator<T, TValue, TValue>
    where TValue : INumber<TValue>
{
    public TValue CreateAccumulator() => TValue.Zero;

    public TValue Add(TValue accumulator, T value) => checked(accumulator + selector(value));

    public void Add(ref TValue accumulator, in T value) => accumulator = checked(accumulator + selector(value));

    public TValue Merge(TValue left, TValue right) => checked(left + right);

    public TValue GetResult(TValue accumulator) => accumulator;
}
