namespace Pipelines.Windowing;

/// <summary>
/// When a windowed aggregation emits panes: on time when the watermark passes the window's end (with
/// <see cref="FireOnWatermark"/> false, only when elements came since the last pane), once per late element within
/// <see cref="AllowedLateness"/>, and early every <see cref="EarlyEveryCount"/> elements and/or every
/// <see cref="EarlyInterval"/> of processing time (streaming only). Early panes by count are emitted by the bounded
/// executor too when <see cref="CountOnBothExecutors"/> is set (custom triggers).
/// </summary>
internal sealed record TriggerSpec(long AllowedLateness, int EarlyEveryCount, TimeSpan? EarlyInterval, bool Discarding, bool FireOnWatermark = true, bool CountOnBothExecutors = false)
{
    public static readonly TriggerSpec Default = new(0, 0, null, false);
}
