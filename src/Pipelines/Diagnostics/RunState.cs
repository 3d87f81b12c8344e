namespace Pipelines.Diagnostics;

/// <summary>Where a run monitored by <see cref="PipelineMonitor"/> is in its life.</summary>
public enum RunState
{
    /// <summary>Reading and processing.</summary>
    Running,

    /// <summary>Stopping with draining (<see cref="PipelineRun.StopAsync"/>): sources stopped, open windows flushing to the sinks.</summary>
    Draining,

    /// <summary>Ended normally: every source ended, or a drain finished.</summary>
    Completed,

    /// <summary>Ended with an error (<see cref="MonitoredRun.Error"/>).</summary>
    Failed,

    /// <summary>Stopped without draining, or its token was cancelled.</summary>
    Cancelled,
}
