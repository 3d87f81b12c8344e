namespace Pipelines.Windowing;

/// <summary>
/// When a windowed aggregation emits panes: always on time when the watermark passes the window's end, once
/// per late element within <see cref="AllowedLateness"/>, and early every <see cref="EarlyEveryCount"/>
/// elements and/or every <see cref="EarlyInterval"/> of processing time (streaming only).
/// </summary>
internal sealed record TriggerSpec(long AllowedLateness, int EarlyEveryCount, TimeSpan? EarlyInterval, bool Discarding)
{
    public static readonly TriggerSpec Default = new(0, 0, null, false);
}
