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
/// At most one checkpoint is in flight: the next starts at the first interval after the previous completed.
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
/// <param name="runToken">The run's token: commits stop when it is cancelled.</param>
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

    /// <summary>The stateful operators of the plan (id, parallelism), listed in every manifest.</summary>
    public IReadOnlyList<(string Id, int Parallelism)> StatefulOperators { get; init; } = [];

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
        }
    }

    private void Trigger()
    {
        lock (_lock)
        {
            if (!_enabled || _stopped || _inFlight != 0) return;
            _inFlight = _requested + 1;
            _started = Stopwatch.GetTimestamp();
            foreach (var source in _sources) source.Position = null;
            foreach (var sink in _sinks) sink.Passed = false;
            Volatile.Write(ref _requested, _inFlight);
            if (AllSinksPassed()) Complete();
        }
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
            if (source.Runner is { } runner && source.Position is { } position) commits.Add((runner, position));
            positions.Add((i, source.Runner, source.Position));
        }

        long started = _started;
        _completing = _completing.ContinueWith(_ => CommitAsync(checkpoint, commits, positions, started), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    private async Task CommitAsync(long checkpoint, List<(SourceRunner Runner, object Position)> commits, List<(int Source, SourceRunner? Runner, object? Position)> positions, long started)
    {
        Exception? commitFailure = null;
        try
        {
            if (deadLetters is not null) await deadLetters.FlushAsync(runToken).ConfigureAwait(false);
            if (Store is { } store)
            {
                await StoreAsync(store, checkpoint, positions).ConfigureAwait(false);
                Checkpoints.ICommittingSink[] sinks;
                lock (_lock) sinks = [.. _committing];
                foreach (var sink in sinks) await sink.CommitCheckpointAsync(checkpoint, runToken).ConfigureAwait(false);
            }
            foreach (var (runner, position) in commits)
            {
                if (runToken.IsCancellationRequested) return;
                try
                {
                    await runner.CommitAsync(position, runToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.CheckpointCommitFailed(logger, ex, pipeline, checkpoint, runner.Name);
                    commitFailure ??= ex;
                }
            }

            counters.AddCheckpoint();
            History?.Record(checkpoint, Stopwatch.GetElapsedTime(started), commitFailure);
            Log.CheckpointCompleted(logger, pipeline, checkpoint, commits.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            History?.Record(checkpoint, Stopwatch.GetElapsedTime(started), ex);
            fail(ex);
            return;
        }

        lock (_lock) _inFlight = 0;
    }

    /// <summary>Publishes the checkpoint's manifest once its state parts are written: from then on a restart resumes from it.</summary>
    private async Task StoreAsync(Checkpoints.Storage.CheckpointStore store, long checkpoint, List<(int Source, SourceRunner? Runner, object? Position)> positions)
    {
        var operators = State is null ? [] : await State.CompleteAsync(checkpoint, StatefulOperators).ConfigureAwait(false);
        var manifest = new Checkpoints.Storage.CheckpointManifest
        {
            CheckpointId = checkpoint,
            Pipeline = pipeline,
            CompletedAt = options.TimeProvider.GetUtcNow(),
            MaxParallelism = MaxParallelism,
            Operators = operators,
            Sources = [.. positions.Select(p => new Checkpoints.Storage.SourceCheckpoint(
                SourceIds[p.Source],
                p.Runner is { } runner && p.Position is { } position ? runner.PositionToJson(position) : null,
                Time.EventTime.MinWatermark))],
        };
        await store.CompleteAsync(manifest, runToken).ConfigureAwait(false);
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
    }

    /// <summary>A sink's view of the coordinator: its index is bound, so the sink only says what happened.</summary>
    private sealed class SinkAcknowledgement(CheckpointCoordinator coordinator, int sink) : Runtime.IBarrierAcknowledger
    {
        public void Passed(long checkpoint) => coordinator.SinkPassed(sink, checkpoint);

        public void Ended() => coordinator.SinkEnded(sink);
    }

    private sealed class Participant
    {
        public SourceRunner? Runner;
        public object? Position;
        public bool Passed;
        public bool Ended;
    }
}
