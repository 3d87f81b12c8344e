namespace Pipelines.Hosting.Tests.TestSupport;

/// <summary>A test element: a key, an event time and a value.</summary>
public sealed record Ev(string Key, DateTimeOffset Time, int Value = 0)
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    public static Ev At(string key, int seconds, int value = 0) => new(key, T0.AddSeconds(seconds), value);
}
