namespace Pipelines.Hosting;

/// <summary>
/// How a pipeline added with <c>AddPipeline</c> runs under the host. Named options (the name is the pipeline's),
/// so besides the <c>AddPipeline</c> argument they can be set with <c>services.Configure&lt;PipelineHostOptions&gt;(name, ...)</c>.
/// </summary>
public sealed class PipelineHostOptions
{
    /// <summary>
    /// Settings of the streaming executor (default: its defaults). When <see cref="StreamingOptions.Logger"/> is
    /// null, a logger from the host's <c>ILoggerFactory</c> (category <c>Pipelines</c>) is used; when
    /// <see cref="StreamingOptions.TimeProvider"/> is the system clock and a <see cref="System.TimeProvider"/> is
    /// registered in the service provider, that one is used.
    /// </summary>
    public StreamingOptions? Streaming { get; set; }

    /// <summary>
    /// When the running pipeline fails (a user function, source or sink throws), stop the application with
    /// <c>IHostApplicationLifetime.StopApplication</c> and set <see cref="Environment.ExitCode"/> to
    /// <see cref="FailureExitCode"/>. When defining it throws (or the definition is invalid), the host does not start:
    /// the error is thrown from the host's <c>StartAsync</c> (so from <c>RunAsync</c>), with
    /// <see cref="Environment.ExitCode"/> set to <see cref="FailureExitCode"/> for a <c>Main</c> that catches it. Default
    /// true. When false the failure is logged and reported by the health check, and the host keeps running.
    /// </summary>
    public bool StopHostOnFailure { get; set; } = true;

    /// <summary>
    /// The process exit code set on failure when <see cref="StopHostOnFailure"/> is on (default 1). It takes
    /// effect when <c>Main</c> returns <c>void</c> or <c>Task</c>; a <c>Main</c> that returns an exit code should
    /// return <see cref="Environment.ExitCode"/>.
    /// </summary>
    public int FailureExitCode { get; set; } = 1;

    /// <summary>Stop the application when the pipeline ends by itself because all its sources completed. Default false.</summary>
    public bool StopHostWhenCompleted { get; set; }

    /// <summary>
    /// The longest a graceful drain may take on shutdown (default null: until the host's shutdown timeout,
    /// <c>HostOptions.ShutdownTimeout</c>). When it runs out, the run is stopped without draining; open
    /// windows are then discarded. At most <see cref="int.MaxValue"/> milliseconds (about 24 days), or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for no limit of its own.
    /// </summary>
    public TimeSpan? DrainTimeout { get; set; }

    internal void Validate(string pipelineName)
    {
        if (DrainTimeout is { } timeout && timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(DrainTimeout), timeout,
                $"The drain timeout of pipeline '{pipelineName}' must be zero or positive, or Timeout.InfiniteTimeSpan to wait for the host's shutdown timeout only.");
        }

        if (DrainTimeout is { } longest && longest.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(DrainTimeout), longest,
                $"The drain timeout of pipeline '{pipelineName}' is longer than the {int.MaxValue} ms (about 24 days) a drain timeout may be; use Timeout.InfiniteTimeSpan (or leave it null) to wait for the host's shutdown timeout only.");
        }
    }
}
