namespace Pipelines.Aggregation;

/// <summary>Combines elements pairwise with a user function; the function must be associative.</summary>
internal sealed class ReduceAggregator<T>(Func<T, T, T> reducer) : IInPlaceAggregator<T, Extreme<T>, T>
{
    public Extreme<T> CreateAccumulator() => default;

    public void Add(ref Extreme<T> accumulator, in T value) =>
        accumulator = new(true, accumulator.HasValue ? reducer(accumulator.Value, value) : value);

    public Extreme<T> Add(Extreme<T> accumulator, T value) =>
        new(true, accumulator.HasValue ? reducer(accumulator.Value, value) : value);

    public Extreme<T> Merge(Extreme<T> left, Extreme<T> right)
    {
        if (!left.HasValue) return right;
        if (!right.HasValue) return left;
        return new(true, reducer(left.Value, right.Value));
    }

    public T GetResult(Extreme<T> accumulator) => accumulator.HasValue
        ? accumulator.Value
        : throw new InvalidOperationException("Reduce of an empty window has no value.");
}
