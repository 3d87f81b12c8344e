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
/// In three files: this one the barrier round (requests, sources and sinks passing, completion handed to a task);
/// <c>CheckpointCoordinator.Final.cs</c> the savepoint and the final checkpoint; <c>CheckpointCoordinator.Commit.cs</c>
/// storing the manifest, committing sources and sinks, aborting.
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
internal sealed partial class CheckpointCoordinator(
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

    /// <summary>The checkpoint whose completion was handed to <see cref="_completing"/> last (ids only grow).</summary>
    private long _completingCheckpoint;
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
        // Once: a sink that acknowledged the checkpoint and then ends (a drain) finds every sink passed again while
        // its commit is still running.
        long checkpoint = _inFlight;
        if (checkpoint == _completingCheckpoint) return;
        _completingCheckpoint = checkpoint;
        var commits = new List<(SourceRunner Runner, object Position)>();
        var positions = new List<(int Source, SourceRunner? Runner, object? Position)>();
        for (int i = 0; i < _sources.Length; i++)
        {
            var source = _sources[i];
            // A finished source passes no barrier of the final checkpoint: its position is where it finished.
            var taken = source.Position ?? (source.Finished ? source.FinishedPosition : null);
            if (source.Runner is { } runner && taken is { } position) commits.Add((runner, position));
            positions.Add((i, source.Runner ?? source.Unopened, taken));
        }

        long started = _started;
        bool savepoint = checkpoint == _savepointId;
        _completing = _completing.ContinueWith(_ => CommitAsync(checkpoint, savepoint, commits, positions, started), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
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

        /// <summary>The runner of a source that finished without opening its reader (its position is where it was to start).</summary>
        public SourceRunner? Unopened;
        public bool Passed;
        public bool Ended;
    }
}
