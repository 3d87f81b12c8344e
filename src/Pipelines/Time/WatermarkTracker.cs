namespace Pipelines.Time;

/// <summary>Per source instance: turns the event times of a batch into a watermark.</summary>
internal abstract class WatermarkTracker<T>
{
    /// <summary>Current watermark (never decreases); <see cref="EventTime.MinWatermark"/> until known.</summary>
    public long Current { get; protected set; } = EventTime.MinWatermark;

    public abstract void OnBatch(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps);

    /// <summary>Called periodically for generators that depend on something other than the elements.</summary>
    public virtual void OnPeriodic()
    {
    }

    protected void Advance(long candidate)
    {
        if (candidate > Current) Current = candidate;
    }
}

/// <summary>W = max event time seen − bound − 1 tick: an element at most <c>bound</c> behind the newest is on time.</summary>
internal sealed class BoundedOutOfOrdernessTracker<T>(long boundTicks) : WatermarkTracker<T>
{
    private long _max = long.MinValue;

    public override void OnBatch(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        long max = _max;
        foreach (long ts in timestamps)
        {
            if (ts > max) max = ts;
        }

        OnMax(max);
    }

    /// <summary>Takes the largest event time seen (a fused run that keeps it per element: <c>EventTimeClock</c>).</summary>
    public void OnMax(long max)
    {
        if (max > _max)
        {
            _max = max;
            Advance(EventTime.SaturatingAdd(max, -boundTicks - 1));
        }
    }
}

/// <summary>Adapts a user's <see cref="IWatermarkGenerator{T}"/>.</summary>
internal sealed class CustomTracker<T>(IWatermarkGenerator<T> generator) : WatermarkTracker<T>
{
    public override void OnBatch(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        for (int i = 0; i < values.Length; i++)
        {
            generator.OnEvent(values[i], EventTime.ToDateTimeOffset(timestamps[i]));
        }

        OnPeriodic();
    }

    public override void OnPeriodic()
    {
        if (generator.CurrentWatermark is { } w) Advance(EventTime.FromDateTimeOffset(w));
    }
}
