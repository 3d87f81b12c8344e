namespace Pipelines.Aggregation;

/// <summary>Accumulator of <see cref="MinMaxAggregator{T,TValue}"/>: whether a value was seen, and the extreme so far.</summary>
internal readonly record struct Extreme<TValue>(bool HasValue, TValue Value);

/// <summary>Smallest (or largest) value of a projection.</summary>
internal sealed class MinMaxAggregator<T, TValue>(Func<T, TValue> selector, bool max) : IInPlaceAggregator<T, Extreme<TValue>, TValue>
    where TValue : IComparable<TValue>
{
    public Extreme<TValue> CreateAccumulator() => default;

    public void Add(ref Extreme<TValue> accumulator, in T value)
    {
        TValue v = selector(value);
        if (!accumulator.HasValue)
        {
            accumulator = new(true, v);
            return;
        }

        int c = v.CompareTo(accumulator.Value);
        if (max ? c > 0 : c < 0) accumulator = new(true, v);
    }

    public Extreme<TValue> Add(Extreme<TValue> accumulator, T value) => Pick(accumulator, new Extreme<TValue>(true, selector(value)));

    public Extreme<TValue> Merge(Extreme<TValue> left, Extreme<TValue> right) => Pick(left, right);

    public TValue GetResult(Extreme<TValue> accumulator) => accumulator.HasValue
        ? accumulator.Value
        : throw new InvalidOperationException((max ? "Max" : "Min") + " of an empty window has no value.");

    private Extreme<TValue> Pick(Extreme<TValue> a, Extreme<TValue> b)
    {
        if (!a.HasValue) return b;
        if (!b.HasValue) return a;
        int c = b.Value.CompareTo(a.Value);
        return (max ? c > 0 : c < 0) ? b : a;
    }
}
