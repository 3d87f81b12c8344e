namespace Pipelines;

/// <summary>Factories for <see cref="Trigger"/>; combine them with <see cref="Trigger.Or"/>.</summary>
public static class Triggers
{
    /// <summary>Fires after every <paramref name="elements"/> elements of a window (Flink's <c>CountTrigger</c>), on both executors.</summary>
    /// <param name="elements">Positive.</param>
    public static Trigger Count(int elements)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elements);
        return new Trigger(elements, null, onWatermark: false, purging: false);
    }

    /// <summary>
    /// Fires every <paramref name="interval"/> of processing time (the run's <see cref="TimeProvider"/>) for each window
    /// with elements since its last pane. Streaming executor only.
    /// </summary>
    /// <param name="interval">Positive.</param>
    public static Trigger ProcessingTime(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "A processing-time trigger's interval must be positive.");
        return new Trigger(0, interval, onWatermark: false, purging: false);
    }

    /// <summary>Fires when the watermark passes the window's end (and for each late element within the allowed lateness): the default trigger.</summary>
    public static Trigger Watermark() => new(0, null, onWatermark: true, purging: false);
}
