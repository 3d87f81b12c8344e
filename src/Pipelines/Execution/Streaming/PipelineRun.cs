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

    /// <summary>
    /// Stops the run with a savepoint, to upgrade the pipeline or move it: a checkpoint is taken at once (after the
    /// one in flight, if any), after which the sources read nothing more; once it is stored and committed (sinks
    /// commit the output it covers, sources commit its positions) the run stops without draining: windows still open
    /// stay in the savepoint, not emitted, and <see cref="Completion"/> ends cancelled. Start the new version of the
    /// pipeline with the same <see cref="StreamingOptions.CheckpointStorage"/> (it restores the savepoint, the newest
    /// checkpoint there) or with <see cref="StreamingOptions.RestoreFrom"/> set to <see cref="Savepoint.Location"/>;
    /// state goes to the operators with the same ids (<see cref="DataStream{T}.Uid"/>). The savepoint is never
    /// deleted by checkpoint retention.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the savepoint may still be taken, and the run still stops).</param>
    /// <returns>The savepoint, with the summary of what the run did.</returns>
    /// <exception cref="InvalidOperationException">The run has no <see cref="StreamingOptions.CheckpointStorage"/>, or it ended before the savepoint was taken.</exception>
    /// <exception cref="PipelineExecutionException">The run failed, or the savepoint could not be written (the run fails with it).</exception>
    public async Task<Savepoint> StopWithSavepointAsync(CancellationToken cancellationToken = default)
    {
        var storage = _run.Storage ?? throw new InvalidOperationException(
            "A savepoint is a checkpoint of the run's state: start the run with StreamingOptions.CheckpointStorage to take one.");
        var savepoint = _run.RequestSavepoint();

        // Once taken, the sources read nothing more: the run stops then even when the caller stopped waiting.
        _ = savepoint.ContinueWith(
            static (taken, run) => ((StreamingRun)run!).Cancel(), _run, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        await Task.WhenAny(savepoint, Completion).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!savepoint.IsCompletedSuccessfully)
        {
            if (savepoint.IsFaulted) await savepoint.ConfigureAwait(false);
            await Completion.ConfigureAwait(false); // the run's error, or its end
            throw new InvalidOperationException("The run ended (every source finished) before a savepoint could be taken; its output is complete, and there is nothing to resume.");
        }

        long id = await savepoint.ConfigureAwait(false);
        var summary = await StopAsync(drain: false, cancellationToken).ConfigureAwait(false);
        return new Savepoint(id, storage.LocationOf(id), summary);
    }
}
