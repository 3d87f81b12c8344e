using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Data;

/// <summary>An event of the synthetic workloads F and T.</summary>
/// <param name="Key">One of <see cref="SyntheticData.Keys"/> keys.</param>
/// <param name="Value">A pseudo-random non-negative value.</param>
/// <param name="Timestamp">Event time; events are in time order.</param>
public readonly record struct SynthEvent(int Key, long Value, DateTimeOffset Timestamp);

/// <summary>The deterministic synthetic input: time-ordered events over 1,000 keys.</summary>
public static class SyntheticData
{
    /// <summary>Distinct keys.</summary>
    public const int Keys = 1000;

    /// <summary>Events per second of event time (so the 1-second windows of T hold 100,000 events each, 100 per key).</summary>
    public const int EventsPerSecond = 100_000;

    /// <summary>Start of event time: 2026-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Makes <paramref name="count"/> events; the same count gives the same events.</summary>
    /// <param name="count">How many.</param>
    public static SynthEvent[] Generate(int count)
    {
        var events = new SynthEvent[count];
        long step = TimeSpan.TicksPerSecond / EventsPerSecond;
        long t0 = Start.UtcTicks;
        for (int i = 0; i < count; i++)
        {
            ulong r = Hashing.Mix((ulong)i + 0x5EED);
            events[i] = new SynthEvent((int)(r % Keys), (long)(r >> 20), new DateTimeOffset(t0 + (i * step), TimeSpan.Zero));
        }

        return events;
    }
}
