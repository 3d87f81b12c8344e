namespace Pipelines.Aggregation;

/// <summary>Accumulator of first/last: the element held and its event time.</summary>
internal readonly record struct TimedValue<T>(bool HasValue, T Value, long Timestamp);

/// <summary>
/// The element with the earliest (first) or latest (last) event time. Among elements with the same event
/// time, the one added first is kept, so with ties the result can depend on arrival order.
/// </summary>
internal sealed class FirstLastAggregator<T>(bool last) : IAggregator<T, TimedValue<T>, T>, IEventTimeAggregator<T, TimedValue<T>>
{
    public TimedValue<T> CreateAccumulator() => default;

    public TimedValue<T> Add(TimedValue<T> accumulator, T value) =>
        throw new InvalidOperationException("First and Last need event times: use them on a windowed stream.");

    public TimedValue<T> Add(TimedValue<T> accumulator, T value, long timestamp) => Merge(accumulator, new TimedValue<T>(true, value, timestamp));

    public TimedValue<T> Merge(TimedValue<T> left, TimedValue<T> right)
    {
        if (!left.HasValue) return right;
        if (!right.HasValue) return left;
        return (last ? right.Timestamp > left.Timestamp : right.Timestamp < left.Timestamp) ? right : left;
    }

    public T GetResult(TimedValue<T> accumulator) => accumulator.HasValue
        ? accumulator.Value
        : throw new InvalidOperationException((last ? "Last" : "First") + " of an empty window has no value.");
}
