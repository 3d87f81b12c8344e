namespace Pipelines.Tests.TestSupport;

/// <summary>A keyed, timestamped test event.</summary>
public sealed record Ev(string Key, DateTimeOffset Time, int Value = 0)
{
    /// <summary>The base time of most tests: 2026-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An event <paramref name="seconds"/> after <see cref="T0"/>.</summary>
    public static Ev At(string key, double seconds, int value = 0) => new(key, T0.AddSeconds(seconds), value);

    public override string ToString() => $"{Key}@{(Time - T0).TotalSeconds}s={Value}";
}
