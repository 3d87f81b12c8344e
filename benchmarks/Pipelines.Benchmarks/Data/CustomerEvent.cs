namespace Pipelines.Benchmarks.Data;

/// <summary>
/// An event of workload FClass: the synthetic event as a class (a reference per element, as events deserialized
/// from JSON or read from a database usually are) with its key as a customer id string.
/// </summary>
/// <param name="customer">The customer id (<see cref="SyntheticKeys.String"/>; one string instance per key).</param>
/// <param name="value">A pseudo-random non-negative value.</param>
/// <param name="timestamp">Event time; events are in time order.</param>
public sealed class CustomerEvent(string customer, long value, DateTimeOffset timestamp)
{
    /// <summary>The customer id.</summary>
    public string Customer { get; } = customer;

    /// <summary>A pseudo-random non-negative value.</summary>
    public long Value { get; } = value;

    /// <summary>Event time.</summary>
    public DateTimeOffset Timestamp { get; } = timestamp;

    /// <summary>The synthetic events as class events with string keys; the same count gives the same events.</summary>
    /// <param name="count">How many.</param>
    public static CustomerEvent[] Generate(int count)
    {
        var source = SyntheticKeys.Generate(count, SyntheticKeys.String);
        var events = new CustomerEvent[count];
        for (int i = 0; i < count; i++) events[i] = new CustomerEvent(source[i].Key, source[i].Value, source[i].Timestamp);
        return events;
    }
}
