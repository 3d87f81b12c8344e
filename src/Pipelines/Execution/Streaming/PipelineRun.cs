using Pipelines.Execution.Streaming;

namespace Pipelines;

/// <summary>A running streaming pipeline: watch its progress, await its end, or stop it.</summary>
public sealed class PipelineRun
{
    private readonly StreamingRun _run;

    internal PipelineRun(StreamingRun run)
    {
        _run = run;
        Completion = run.StartAsync();
    }

    /// <summary>
    /// Completes with the run's summary when every source has ended or after <see cref="StopAsync"/> with
    /// draining; faults with <see cref="PipelineExecutionException"/> when the run fails. When the run is stopped
    /// without draining or its token is cancelled, the task is cancelled: awaiting it throws a
    /// <see cref="PipelineCanceledException"/> (an <see cref="OperationCanceledException"/>) whose
    /// <see cref="PipelineCanceledException.Summary"/> counts what the run did.
    /// </summary>
    public Task<RunSummary> Completion { get; }

    /// <summary>Elements read from all sources so far.</summary>
    public long ElementsRead => _run.Counters.ElementsRead;

    /// <summary>Checkpoints completed so far (see <see cref="StreamingOptions.CheckpointInterval"/>).</summary>
    public long CheckpointsCompleted => _run.Counters.Checkpoints;

    /// <summary>Elements dropped as too late so far.</summary>
    public long LateElementsDropped => _run.Counters.LateDropped;

    /// <summary>
    /// Stops the run and waits for it to end. With <paramref name="drain"/> (the default) the sources stop
    /// reading, the final +∞ watermark flushes every open window and the sinks complete; without it, work in
    /// flight is discarded and open windows are not emitted.
    /// </summary>
    /// <returns>The run's summary: of the whole run when draining, else of what it did before it stopped.</returns>
    /// <param name="drain">Flush open windows to the sinks before ending.</param>
    /// <param name="cancellationToken">Stops waiting (the run still stops).</param>
    public async Task<RunSummary> StopAsync(bool drain = true, CancellationToken cancellationToken = default)
    {
        if (drain) _run.Drain();
        else _run.Cancel();
        try
        {
            return await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PipelineCanceledException stopped) when (!drain && !cancellationToken.IsCancellationRequested)
        {
            // Stopping without draining cancels the run; that is the expected ending.
            return stopped.Summary;
        }
    }
}
