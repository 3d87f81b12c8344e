namespace Pipelines;

/// <summary>
/// A run was cancelled (its token, or <see cref="PipelineRun.StopAsync"/> without draining) before it ended. An
/// <see cref="OperationCanceledException"/>, so code that catches those goes on working; <see cref="Summary"/> counts
/// what the run did before it stopped. Windows still open were not emitted and sinks were aborted, not completed.
/// </summary>
public sealed class PipelineCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception for a run cancelled through <paramref name="token"/>.</summary>
    /// <param name="summary">What the run did before it stopped.</param>
    /// <param name="token">The token that cancelled it.</param>
    /// <param name="innerException">Where the cancellation was observed, if known.</param>
    public PipelineCanceledException(RunSummary summary, CancellationToken token, Exception? innerException = null)
        : base($"The pipeline run was cancelled after reading {summary.ElementsRead} elements and writing {summary.ResultsWritten} results; windows still open were not emitted.", innerException, token)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Summary = summary;
    }

    /// <summary>What the run did before it stopped: elements read, results written, late, skipped, dead-lettered.</summary>
    public RunSummary Summary { get; }
}
