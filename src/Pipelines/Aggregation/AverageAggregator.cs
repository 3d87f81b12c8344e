using System.Numerics;

namespace Pipelines.Aggregation;

/// <summary>Accumulator of the average: sum and count.</summary>
internal readonly record struct SumCount(double Sum, long Count);

/// <summary>Arithmetic mean of a numeric projection, as <see cref="double"/>.</summary>
internal sealed class AverageAggregator<T, TValue>(Func<T, TValue> selector) : IAggregator<T, SumCount, double>
    where TValue : INumber<TValue>
{
    public SumCount CreateAccumulator() => default;

    public SumCount Add(SumCount accumulator, T value) =>
        new(accumulator.Sum + double.CreateChecked(selector(value)), accumulator.Count + 1);

    public SumCount Merge(SumCount left, SumCount right) => new(left.Sum + right.Sum, left.Count + right.Count);

    public double GetResult(SumCount accumulator) => accumulator.Count == 0 ? double.NaN : accumulator.Sum / accumulator.Count;
}
