namespace Pipelines.Hosting;

/// <summary>Where a hosted pipeline is in its life. It only moves forward: Starting → Running → Draining → Stopped, or to Failed from any state before Stopped.</summary>
public enum PipelineState
{
    /// <summary>Registered; the host has not started it yet.</summary>
    Starting,

    /// <summary>The streaming run is going: sources are read and results flow to the sinks.</summary>
    Running,

    /// <summary>The host is shutting down: the sources stopped reading and the final watermark is flushing open windows to the sinks.</summary>
    Draining,

    /// <summary>The run ended without error: its sources completed, it was drained, or it was stopped without draining after the drain timeout.</summary>
    Stopped,

    /// <summary>Defining or running the pipeline threw; <see cref="PipelineStatus.Error"/> says why.</summary>
    Failed,
}
