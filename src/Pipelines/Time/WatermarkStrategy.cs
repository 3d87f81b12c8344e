namespace Pipelines;

/// <summary>
/// How a source derives its watermark from the event times it has seen. A watermark W is the promise
/// "no element with a timestamp at or before W will arrive any more"; elements that still do are late.
/// Create one with <see cref="Watermarks"/>.
/// </summary>
public abstract class WatermarkStrategy
{
    private protected WatermarkStrategy()
    {
    }

    internal abstract Time.WatermarkTracker<T> CreateTracker<T>();

    /// <summary>
    /// True when the watermark depends only on the largest event time seen (<see cref="Time.BoundedOutOfOrdernessTracker{T}"/>):
    /// event-time assignment can then run as a step of a fused run, which keeps that maximum per element.
    /// </summary>
    internal virtual bool FollowsMaximum => false;
}
