using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipelines.Diagnostics;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// Runs the checkpoints of one streaming run (at-least-once, without state snapshots): every
/// <see cref="StreamingOptions.CheckpointInterval"/> it asks the sources for a barrier; each source takes its
/// reader's position and sends the barrier behind the elements read so far. Stages pass it once every input has
/// (stateful ones once the state held on arrival is emitted), sinks flush and acknowledge it, and when every
/// sink has, the dead letters routed so far are flushed and each source commits the position it took.
/// </summary>
/// <remarks>
/// With a <see cref="Store"/> a checkpoint completes once its manifest is stored; one that cannot be stored is aborted
/// within <see cref="StreamingOptions.TolerableCheckpointFailures"/> failures in a row, else fails the run. A savepoint
/// (<see cref="RequestSavepoint"/>) is the last checkpoint of a run: sources read nothing after its barrier.
/// At most one checkpoint is in flight: the next starts at the first interval after the previous completed.
/// With a <see cref="Store"/>, a run that drains takes a final checkpoint (Flink's FLIP-147): a source at the end of its
/// input (or stopped by a drain) sends +∞ and reports its position (<see cref="SourceFinished"/>), then keeps passing
/// the barriers of checkpoints taken meanwhile; once every source has finished, checkpoint <see cref="FinalCheckpoint"/>
/// is requested, and the sources end instead of sending its barrier. Each stateful worker snapshots its state once
/// every input has ended (after what it emits at the end), each sink pre-commits for it at its end, and waits until
/// it is stored and committed (<see cref="FinalSettled"/>) before it completes. A restart after a drained run
/// resumes after everything the run wrote.
/// Checkpoints start only once a source that commits during the run (<see cref="SourceReader{T, TPosition}.CommitsDuringRun"/>)
/// has opened, so runs over other sources never see a barrier and their sinks are never flushed early.
/// </remarks>
/// <param name="options">The interval and clock.</param>
/// <param name="pipeline">The pipeline's name, for logs.</param>
/// <param name="logger">Where completed and failed commits are logged.</param>
/// <param name="counters">Counts completed checkpoints.</param>
/// <param name="sources">How many sources the plan has (<see cref="Plan.SourceVertex.SourceIndex"/>).</param>
/// <param name="sinks">How many sinks the plan has (<see cref="Plan.StageVertex.SinkIndex"/>).</param>
/// <param name="deadLetters">The run's dead-letter sink, flushed before a checkpoint commits; null when there is none.</param>
/// <param name="fail">Fails the run (a dead-letter flush failed).</param>
/// <param name="runToken">
/// The run's token: a checkpoint not yet stored stops when it is cancelled; one whose manifest is stored still has
/// its sinks commit (<see cref="CommitSinksAsync"/>).
/// </param>
internal sealed class CheckpointCoordinator(
    StreamingOptions options,
    string pipeline,
    ILogger logger,
    Runtime.RunCounters counters,
    int sources,
    int sinks,
    DeadLetterDrain? deadLetters,
    Action<Exception> fail,
    CancellationToken runToken)
{
    private readonly Lock _lock = new();
    private readonly Participant[] _sources = [.. Enumerable.Range(0, sources).Select(_ => new Participant())];
    private readonly Participant[] _sinks = [.. Enumerable.Range(0, sinks).Select(_ => new Participant())];
    private ITimer? _timer;
    private Task _completing = Task.CompletedTask;
    private long _requested;
    private long _inFlight;
    private long _started;
    private bool _enabled;
    private bool _stopped;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _savepointWanted;
    private long _savepointId;
    private bool _finalWanted;
    private long _finalId;
    private bool _noFinal;
    private readonly TaskCompletionSource _finalSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failures;
    private readonly KeyValuePair<string, object?>[] _checkpointTags = [new("pipeline", pipeline), new("kind", "checkpoint")];
    private readonly KeyValuePair<string, object?>[] _savepointTags = [new("pipeline", pipeline), new("kind", "savepoint")];

    /// <summary>Where completed and failed checkpoints are recorded for <see cref="Diagnostics.PipelineMonitor"/>.</summary>
    public CheckpointHistory? History { get; init; }

    /// <summary>
    /// Where checkpoints store state (<see cref="StreamingOptions.CheckpointStorage"/>), or null. With it, checkpoints
    /// run whatever the sources are, and a checkpoint completes only when the manifest — the stateful workers'
    /// parts (<see cref="State"/>) and every source's position — is durable; then sources commit.
    /// </summary>
    public Checkpoints.Storage.CheckpointStore? Store { get; init; }

    /// <summary>Writes the snapshots of the stateful workers.</summary>
    public Checkpoints.StateCheckpointWriter? State { get; init; }

    /// <summary>The stateful operators of the plan, listed in every manifest.</summary>
    public IReadOnlyList<Checkpoints.Storage.StatefulOperator> StatefulOperators { get; init; } = [];

    /// <summary>The run's telemetry, which reports the last completed checkpoint.</summary>
    public RunTelemetry? Telemetry { get; init; }

    /// <summary>Completed with the savepoint's id once it is stored and committed; faulted when it fails, cancelled when the run ends first.</summary>
    public TaskCompletionSource<long>? SavepointCompletion { get; init; }

    /// <summary>Completes when the next checkpoint is requested: a source waiting for input wakes to send its barrier.</summary>
    public Task NextRequest => Volatile.Read(ref _wake).Task;

    /// <summary>True when <paramref name="checkpoint"/> is the savepoint the run stops with: a source stops reading once it sent its barrier.</summary>
    public bool IsSavepoint(long checkpoint) => checkpoint == Volatile.Read(ref _savepointId);

    /// <summary>
    /// Takes a savepoint as soon as the checkpoint in flight (if any) has ended: a checkpoint after which the sources
    /// read nothing more and no other checkpoint starts. Needs a <see cref="Store"/>.
    /// </summary>
    public void RequestSavepoint()
    {
        lock (_lock)
        {
            if (_savepointWanted) return;
            _savepointWanted = true;
        }

        Trigger();
    }

    /// <summary>
    /// The final checkpoint of a drained run (see the remarks), once every source has finished and it is requested;
    /// 0 before, and in a run that takes none.
    /// </summary>
    public long FinalCheckpoint => Volatile.Read(ref _finalId);

    /// <summary>Completes when the final checkpoint is stored and committed, or aborted within the tolerated failures; cancelled when the run stops first.</summary>
    public Task FinalSettled => _finalSettled.Task;

    /// <summary>True when the run ends with a final checkpoint: it stores checkpoints (<see cref="Store"/>).</summary>
    public bool TakesFinalCheckpoint => Store is not null;

    /// <summary>
    /// Source <paramref name="source"/> has read all it will (end of input, or a drain) and sent +∞; its reader's
    /// position then is <paramref name="position"/>, the position of every checkpoint from now on. A source whose
    /// reader never opened (<paramref name="opened"/> false) has no position: the run then ends without a final
    /// checkpoint. Once every source has finished, the final checkpoint is requested (after the one in flight).
    /// </summary>
    public void SourceFinished(int source, object? position, bool opened)
    {
        long inFlight;
        lock (_lock)
        {
            var participant = _sources[source];
            participant.Finished = true;
            participant.FinishedPosition = position;
            if (!opened || !_enabled) _noFinal = true;
            if (!Array.TrueForAll(_sources, static s => s.Finished)) return;
            _finalWanted = !_noFinal;
            inFlight = _finalWanted ? _inFlight : 0;
        }

        if (inFlight != 0) Checkpoints.CheckpointLog.FinalCheckpointWaits(logger, pipeline, inFlight);

        if (Volatile.Read(ref _finalWanted)) Trigger();
        else WakeSources();
    }

    /// <summary>Wakes the sources waiting for a request, so they look again whether they may end.</summary>
    private void WakeSources()
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            wake = _wake;
            Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        wake.TrySetResult();
    }

    /// <summary>
    /// True when a finished source may send its end: checkpoint <paramref name="requested"/> is the final one, or the
    /// run ends without one.
    /// </summary>
    public bool MayEnd(long requested)
    {
        lock (_lock)
        {
            if (_finalId != 0) return requested >= _finalId;
            // Without a final checkpoint (a source never opened, or a savepoint ended the checkpoints) the sources end once all have finished.
            return (_noFinal || (_savepointId != 0 && _inFlight == 0)) && Array.TrueForAll(_sources, static s => s.Finished);
        }
    }

    /// <summary>The operator id of each source, by <see cref="Plan.SourceVertex.SourceIndex"/>.</summary>
    public IReadOnlyList<string> SourceIds { get; init; } = [];

    /// <summary>Registers a sink worker whose writer commits in two phases: it commits after each stored checkpoint.</summary>
    public void AddCommittingSink(Checkpoints.ICommittingSink sink)
    {
        lock (_lock) _committing.Add(sink);
    }

    private readonly List<Checkpoints.ICommittingSink> _committing = [];

    /// <summary>The number of key groups, recorded in the manifest.</summary>
    public int MaxParallelism { get; init; }

    /// <summary>The id the first checkpoint of the run gets (after the checkpoints already stored).</summary>
    public long FirstCheckpoint
    {
        init => _requested = value - 1;
    }

    /// <summary>The checkpoint sources should inject a barrier for, or 0.</summary>
    public long Requested => Volatile.Read(ref _requested);

    /// <summary>How sink <paramref name="sink"/> (<see cref="Plan.StageVertex.SinkIndex"/>) acknowledges barriers.</summary>
    public Runtime.IBarrierAcknowledger SinkAcknowledger(int sink) => new SinkAcknowledgement(this, sink);

    /// <summary>Starts the interval timer (no checkpoint is requested before a committing source has opened).</summary>
    public void Start()
    {
        if (options.CheckpointInterval == Timeout.InfiniteTimeSpan) return;
        _timer = options.TimeProvider.CreateTimer(_ => Trigger(), null, options.CheckpointInterval, options.CheckpointInterval);
    }

    /// <summary>A source opened; <paramref name="reader"/> is kept for commits when it commits during the run.</summary>
    public void SourceOpened(int source, SourceRunner reader)
    {
        lock (_lock)
        {
            _sources[source].Runner = reader;
            if (reader.CommitsDuringRun || Store is not null) _enabled = true;
            if (!_savepointWanted || _savepointId != 0) return;
        }

        Trigger();
    }

    private void Trigger()
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            if (!_enabled || _stopped || _inFlight != 0 || _savepointId != 0 || _finalId != 0) return;
            _inFlight = _requested + 1;
            if (_finalWanted)
            {
                if (State is not null) State.FinalCheckpoint = _inFlight;
                Volatile.Write(ref _finalId, _inFlight);
            }
            else if (_savepointWanted)
            {
                Volatile.Write(ref _savepointId, _inFlight);
            }

            _started = Stopwatch.GetTimestamp();
            foreach (var source in _sources) source.Position = null;
            foreach (var sink in _sinks) sink.Passed = false;
            Volatile.Write(ref _requested, _inFlight);
            wake = _wake;
            Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (AllSinksPassed()) Complete();
        }

        wake.TrySetResult();
    }

    /// <summary>A source sent the barrier of <paramref name="checkpoint"/> behind what it read before <paramref name="position"/>.</summary>
    public void SourcePassed(int source, long checkpoint, object? position)
    {
        lock (_lock)
        {
            if (checkpoint == _inFlight) _sources[source].Position = position;
        }
    }

    /// <summary>A sink worker has written and flushed everything before the barrier of <paramref name="checkpoint"/>.</summary>
    private void SinkPassed(int sink, long checkpoint)
    {
        lock (_lock)
        {
            if (checkpoint != _inFlight) return;
            _sinks[sink].Passed = true;
            if (AllSinksPassed()) Complete();
        }
    }

    /// <summary>A sink worker completed: it will see no more barriers and holds nothing back.</summary>
    private void SinkEnded(int sink)
    {
        lock (_lock)
        {
            _sinks[sink].Ended = true;
            if (_inFlight != 0 && AllSinksPassed()) Complete();
        }
    }

    private bool AllSinksPassed() => Array.TrueForAll(_sinks, static s => s.Passed || s.Ended);

    /// <summary>Called under the lock: hands the commits to a task, so sink workers never wait for sources.</summary>
    private void Complete()
    {
        long checkpoint = _inFlight;
        var commits = new List<(SourceRunner Runner, object Position)>();
        var positions = new List<(int Source, SourceRunner? Runner, object? Position)>();
        for (int i = 0; i < _sources.Length; i++)
        {
            var source = _sources[i];
            // A finished source passes no barrier of the final checkpoint: its position is where it finished.
            var taken = source.Position ?? (source.Finished ? source.FinishedPosition : null);
            if (source.Runner is { } runner && taken is { } position) commits.Add((runner, position));
            positions.Add((i, source.Runner, taken));
        }

        long started = _started;
        bool savepoint = checkpoint == _savepointId;
        _completing = _completing.ContinueWith(_ => CommitAsync(checkpoint, savepoint, commits, positions, started), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

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
            Sources = [.. positions.Select(p => new Checkpoints.Storage.SourceCheckpoint(
                SourceIds[p.Source],
                p.Runner is { } runner && p.Position is { } position ? runner.PositionToJson(position) : null,
                Time.EventTime.MinWatermark))],
        };
        int manifestBytes = await store.CompleteAsync(manifest, runToken).ConfigureAwait(false);
        return manifestBytes + manifest.Parts.Sum(p => p.Length);
    }

    /// <summary>No more checkpoints; waits for a commit in progress, so the final commit of the run comes after it.</summary>
    public async Task StopAsync()
    {
        Task completing;
        lock (_lock)
        {
            _stopped = true;
            completing = _completing;
        }

        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        await completing.ConfigureAwait(false);
        SavepointCompletion?.TrySetCanceled();
        _finalSettled.TrySetCanceled();
    }

    /// <summary>A sink's view of the coordinator: its index is bound, so the sink only says what happened.</summary>
    private sealed class SinkAcknowledgement(CheckpointCoordinator coordinator, int sink) : Runtime.IBarrierAcknowledger
    {
        public long FinalCheckpoint => coordinator.FinalCheckpoint;

        public Task FinalSettled => coordinator.FinalSettled;

        public void Passed(long checkpoint) => coordinator.SinkPassed(sink, checkpoint);

        public void Ended() => coordinator.SinkEnded(sink);
    }

    private sealed class Participant
    {
        public SourceRunner? Runner;
        public object? Position;
        public bool Finished;
        public object? FinishedPosition;
        public bool Passed;
        public bool Ended;
    }
}
