using Pipelines.Execution.Streaming;

namespace Pipelines;

/// <summary>
/// Runs a pipeline continuously on <see cref="System.Threading.Channels"/>: one task per source, one per worker
/// of each keyed stage (<see cref="StreamingOptions.Parallelism"/>), one per sink, joined by bounded channels
/// of batches so the slowest sink slows the sources down. Watermarks follow each source's strategy, windows
/// fire as the watermark passes their end, late elements get late panes or go to the late output.
/// </summary>
/// <remarks>
/// For any input with no element later than its window's allowed lateness, the final pane of every
/// (key, window) equals the bounded executor's result, whatever the arrival order within the watermark bound,
/// the channel capacities, batch sizes and parallelism.
/// </remarks>
public sealed class StreamingExecutor
{
    private readonly StreamingOptions _options;

    /// <summary>Creates an executor.</summary>
    /// <param name="options">Settings; defaults when null.</param>
    public StreamingExecutor(StreamingOptions? options = null)
    {
        _options = options ?? new StreamingOptions();
        _options.Validate();
    }

    /// <summary>
    /// Runs <paramref name="pipeline"/> until every source has ended (then a final +∞ watermark flushes every
    /// window) or <paramref name="cancellationToken"/> is cancelled (then the task throws
    /// <see cref="OperationCanceledException"/> and open windows are discarded).
    /// </summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="cancellationToken">Stops the run without draining.</param>
    /// <exception cref="PipelineExecutionException">A user function, source or sink failed.</exception>
    public Task<RunSummary> RunAsync(Pipeline pipeline, CancellationToken cancellationToken = default) => Start(pipeline, cancellationToken).Completion;

    /// <summary>Starts <paramref name="pipeline"/> and returns a handle to watch and stop it.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="cancellationToken">Stops the run without draining.</param>
    public PipelineRun Start(Pipeline pipeline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var run = new StreamingRun(pipeline, _options, cancellationToken);
        return new PipelineRun(run);
    }
}
