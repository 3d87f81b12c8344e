using System.Numerics;

namespace Pipelines.Aggregation;

/// <summary>Accumulator of the average: sum and count.</summary>
internal readonly record struct SumCount(double Sum, long Count);

/// <summary>Arithmetic mean of a numeric projection, as <see cref="double"/>.</summary>
internal sealed class AverageAggregator<T, TValue>(Func<T, TValue> selector) : IInPlaceAggregator<T, SumCount, double>
    where TValue : INumber<TValue>
{
    public SumCount CreateAccumulator() => default;

    public void Add(ref SumCount accumulator, in T value)
    {
        double x = double.CreateChecked(selector(value));
        accumulator = new(accumulator.Sum + x, accumulator.Count + 1);
    }

    public SumCount Add(SumCount accumulator, T value) =>
        new(accumulator.Sum + double.CreateChecked(selector(value)), accumulator.Count + 1);

    public SumCount Merge(SumCount left, SumCount right) => new(left.Sum + right.Sum, left.Count + right.Count);

    public double GetResult(SumCount accumulator) => accumulator.Count == 0 ? double.NaN : accumulator.Sum / accumulator.Count;
}

/// <summary>Accumulator of the decimal average: exact sum and count.</summary>
internal readonly record struct DecimalSumCount(decimal Sum, long Count);

/// <summary>Arithmetic mean of a <see cref="decimal"/> projection, kept as <see cref="decimal"/> (no rounding through double).</summary>
internal sealed class DecimalAverageAggregator<T>(Func<T, decimal> selector) : IInPlaceAggregator<T, DecimalSumCount, decimal>
{
    public DecimalSumCount CreateAccumulator() => default;

    public void Add(ref DecimalSumCount accumulator, in T value)
    {
        decimal sum = accumulator.Sum + selector(value);
        accumulator = new(sum, accumulator.Count + 1);
    }

    public DecimalSumCount Add(DecimalSumCount accumulator, T value) => new(accumulator.Sum + selector(value), accumulator.Count + 1);

    public DecimalSumCount Merge(DecimalSumCount left, DecimalSumCount right) => new(left.Sum + right.Sum, left.Count + right.Count);

    /// <remarks>A window has at least one element when its result is asked for; an empty accumulator gives 0.</remarks>
    public decimal GetResult(DecimalSumCount accumulator) => accumulator.Count == 0 ? 0m : accumulator.Sum / accumulator.Count;
}
