namespace Pipelines.State;

/// <summary>Which clock a timer follows.</summary>
internal enum TimeDomain
{
    /// <summary>The watermark: the timer fires when the watermark reaches its time.</summary>
    EventTime,

    /// <summary>The run's <see cref="TimeProvider"/>: the timer fires when processing time reaches its time.</summary>
    ProcessingTime,
}
