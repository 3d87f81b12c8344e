namespace Pipelines.State;

/// <summary>
/// A bucket of timers in a <see cref="TimerQueue"/>'s time order: the time its timers fire at, the order it was
/// created in (buckets at the same time fire in creation order), and the node of its first timer.
/// </summary>
internal readonly record struct TimeBucket(long Time, long Order, int First)
{
    /// <summary>Whether this bucket fires before <paramref name="other"/>: earlier time, then earlier creation.</summary>
    public bool Before(in TimeBucket other) => Time < other.Time || (Time == other.Time && Order < other.Order);
}
