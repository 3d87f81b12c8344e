namespace Pipelines;

/// <summary>Which clock a timer follows.</summary>
public enum TimeDomain
{
    /// <summary>Event time: the timer fires when the watermark reaches its time (at end of input at the latest).</summary>
    EventTime,

    /// <summary>Processing time: the timer fires when the run's <see cref="TimeProvider"/> reaches its time.</summary>
    ProcessingTime,
}
