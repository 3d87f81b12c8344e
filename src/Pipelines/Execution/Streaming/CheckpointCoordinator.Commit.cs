using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipelines.Diagnostics;

namespace Pipelines.Execution.Streaming;

// Completing a checkpoint once every sink acknowledged it: storing its manifest, committing the sources' positions and
// the two-phase sinks, or aborting it within the tolerated failures (the barrier round: CheckpointCoordinator.cs).
internal sealed partial class CheckpointCoordinator
{
    private async Task CommitAsync(long checkpoint, bool savepoint, List<(SourceRunner Runner, object Position)> commits, List<(int Source, SourceRunner? Runner, object? Position)> positions, long started)
    {
        Exception? commitFailure = null;
        long? size = null;
        bool stored = false;
        try
        {
            if (deadLetters is not null) await deadLetters.FlushAsync(runToken).ConfigureAwait(false);
            if (Store is { } store)
            {
                try
                {
                    size = await StoreAsync(store, checkpoint, savepoint, positions).ConfigureAwait(false);
                }
                catch (Exception ex) when (!runToken.IsCancellationRequested)
                {
                    if (await AbortAsync(store, checkpoint, savepoint, ex, started).ConfigureAwait(false))
                    {
                        lock (_lock) _inFlight = 0;
                        if (checkpoint == FinalCheckpoint) _finalSettled.TrySetResult(); // the sinks complete: at-least-once for what it covered
                        else if (Volatile.Read(ref _savepointWanted) || Volatile.Read(ref _finalWanted)) Trigger();
                    }

                    return;
                }

                _failures = 0;
                stored = true;
                if (await CommitSinksAsync(checkpoint).ConfigureAwait(false) is { } sinkFailure && !runToken.IsCancellationRequested) throw sinkFailure;
            }

            foreach (var (runner, position) in commits)
            {
                if (runToken.IsCancellationRequested) break;
                try
                {
                    await runner.CommitAsync(position, runToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (runToken.IsCancellationRequested)
                {
                    break; // the run is stopping; the checkpoint is stored all the same
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.CheckpointCommitFailed(logger, ex, pipeline, checkpoint, runner.Name);
                    commitFailure ??= ex;
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            Telemetry?.CheckpointCompleted(checkpoint);
            History?.Record(checkpoint, elapsed, commitFailure, size);
            counters.AddCheckpoint();
            var tags = savepoint ? _savepointTags : _checkpointTags;
            Diagnostics.Telemetry.CheckpointsCompleted.Add(1, tags);
            Diagnostics.Telemetry.CheckpointDuration.Record(elapsed.TotalMilliseconds, tags);
            if (size is { } bytes) Diagnostics.Telemetry.CheckpointSize.Record(bytes, tags);
            Log.CheckpointCompleted(logger, pipeline, checkpoint, commits.Count, (long)elapsed.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested && !stored)
        {
            return;
        }
        catch (Exception ex)
        {
            History?.Record(checkpoint, Stopwatch.GetElapsedTime(started), ex);
            Diagnostics.Telemetry.CheckpointsFailed.Add(1, _checkpointTags[0]);
            if (savepoint) SavepointCompletion?.TrySetException(ex);
            fail(ex);
            return;
        }

        lock (_lock) _inFlight = 0;
        if (savepoint)
        {
            SavepointCompletion?.TrySetResult(checkpoint);
            WakeSources(); // sources that finished meanwhile may end now
        }
        else if (checkpoint == FinalCheckpoint) _finalSettled.TrySetResult();
        else if (Volatile.Read(ref _savepointWanted) || Volatile.Read(ref _finalWanted)) Trigger();
    }

    /// <summary>
    /// The second phase of checkpoint <paramref name="checkpoint"/>, whose manifest is stored: a restart resumes after
    /// it, so what the sinks pre-committed for it must become visible whatever happens to the run now. Every sink
    /// commits, in turn, with a token that a stop or a failure of the run does not cancel — only
    /// <see cref="CommitTimeout"/> bounds each — so the sinks' abort at the end of the run (which comes after this,
    /// <see cref="StopAsync"/>) finds only transactions of checkpoints that were not stored. A sink that fails or
    /// times out is logged as an error naming the checkpoint (a restart from it commits what it staged, through
    /// <see cref="Checkpoints.ICommittingSink.RecoverAsync"/>) and the others still commit; the first failure is returned.
    /// </summary>
    private async Task<Exception?> CommitSinksAsync(long checkpoint)
    {
        Exception? first = null;
        foreach (var sink in CommittingSinks())
        {
            // Real time, not the run's clock: the bound protects a stop from a commit that hangs on I/O.
            using var timeout = new CancellationTokenSource(CommitTimeout, TimeProvider.System);
            try
            {
                await sink.CommitCheckpointAsync(checkpoint, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                var error = ex is OperationCanceledException && timeout.IsCancellationRequested
                    ? new TimeoutException($"Sink '{sink.Name}' did not commit checkpoint {checkpoint} within {CommitTimeout.TotalSeconds:0} s.", ex)
                    : ex;
                Checkpoints.CheckpointLog.SinkCommitFailed(logger, error, pipeline, checkpoint, sink.Name);
                first ??= error;
            }
        }

        return first;
    }

    /// <summary>How long one sink may take to commit a stored checkpoint before it is given up (logged as an error).</summary>
    internal static TimeSpan CommitTimeout { get; set; } = TimeSpan.FromMinutes(1);

    private Checkpoints.ICommittingSink[] CommittingSinks()
    {
        lock (_lock) return [.. _committing];
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpoint"/> could not be written. Within <see cref="StreamingOptions.TolerableCheckpointFailures"/>
    /// failures in a row it is aborted (a warning; sinks hear that nothing is committed for it) and true is returned;
    /// beyond, or for a savepoint, the run fails with an error that says so.
    /// </summary>
    private async Task<bool> AbortAsync(Checkpoints.Storage.CheckpointStore store, long checkpoint, bool savepoint, Exception error, long started)
    {
        _failures++;
        History?.Record(checkpoint, Stopwatch.GetElapsedTime(started), error);
        Diagnostics.Telemetry.CheckpointsFailed.Add(1, _checkpointTags[0]);
        if (savepoint || _failures > options.TolerableCheckpointFailures)
        {
            var failure = new PipelineExecutionException(savepoint
                ? $"Savepoint {checkpoint} of pipeline '{pipeline}' could not be written to {store.Storage}: {error.GetType().Name}: {error.Message}"
                : $"Checkpoint {checkpoint} of pipeline '{pipeline}' could not be written to {store.Storage}: {_failures} checkpoint(s) in a row failed, " +
                  $"more than StreamingOptions.TolerableCheckpointFailures ({options.TolerableCheckpointFailures}) allows. {error.GetType().Name}: {error.Message}", error);
            if (savepoint) SavepointCompletion?.TrySetException(failure);
            fail(failure);
            return false;
        }

        Checkpoints.CheckpointLog.CheckpointAborted(logger, error, pipeline, checkpoint, store.Storage.ToString(), _failures, options.TolerableCheckpointFailures);
        try
        {
            foreach (var sink in CommittingSinks()) await sink.AbortCheckpointAsync(checkpoint, runToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            fail(ex);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Publishes the checkpoint's manifest once its state parts are written: from then on a restart resumes from it.
    /// Returns the bytes written (parts and manifest).
    /// </summary>
    private async Task<long> StoreAsync(Checkpoints.Storage.CheckpointStore store, long checkpoint, bool savepoint, List<(int Source, SourceRunner? Runner, object? Position)> positions)
    {
        if (State is not null) await State.StorePartitionsAsync(checkpoint, index => positions.FirstOrDefault(p => p.Source == index).Position).ConfigureAwait(false);
        var operators = State is null ? [] : await State.CompleteAsync(checkpoint, StatefulOperators).ConfigureAwait(false);
        var manifest = new Checkpoints.Storage.CheckpointManifest
        {
            CheckpointId = checkpoint,
            Pipeline = pipeline,
            CompletedAt = options.TimeProvider.GetUtcNow(),
            Savepoint = savepoint,
            MaxParallelism = MaxParallelism,
            Operators = operators,
            Sources = [.. positions.Select(SourceCheckpoint)],
        };
        int manifestBytes = await store.CompleteAsync(manifest, runToken).ConfigureAwait(false);
        return manifestBytes + manifest.Parts.Sum(p => p.Length);
    }

    /// <summary>
    /// A source's entry in the manifest: the position it took, or, for a source whose reader never opened (a drain
    /// while it connected), where it was to start — the position it was restored at, or none, marked as not opened.
    /// </summary>
    private Checkpoints.Storage.SourceCheckpoint SourceCheckpoint((int Source, SourceRunner? Runner, object? Position) p)
    {
        string id = SourceIds[p.Source];
        if (p.Runner is { } runner && p.Position is { } position) return new(id, runner.PositionToJson(position), Time.EventTime.MinWatermark);
        bool unopened = p.Runner is not null && _sources[p.Source].Unopened == p.Runner;
        return unopened
            ? new(id, p.Runner!.PositionBeforeOpening, Time.EventTime.MinWatermark, NotOpened: p.Runner.PositionBeforeOpening is null)
            : new(id, null, Time.EventTime.MinWatermark);
    }
}
