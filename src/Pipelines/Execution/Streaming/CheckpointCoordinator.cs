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
internal sealed class CheckpointCoordinator(StreamingOptions options, string pipeline, ILogger logger, Runtime.RunCounters counters, Action<Exception> fail) : Runtime.IBarrierAcknowledger
{
    private readonly Lock _lock = new();
    private readonly List<Participant> _sources = [];
    private readonly List<Participant> _sinks = [];
    private ITimer? _timer;
    private Task _completing = Task.CompletedTask;
    private CancellationToken _runToken;
    private long _requested;
    private long _inFlight;
    private long _started;
    private bool _enabled;
    private bool _stopped;

    /// <summary>Where completed and failed checkpoints are recorded for <see cref="Diagnostics.PipelineMonitor"/>.</summary>
    public CheckpointHistory? History { get; init; }

    /// <summary>The checkpoint sources should inject a barrier for, or 0.</summary>
    public long Requested => Volatile.Read(ref _requested);

    /// <summary>Registers a source task; called while wiring.</summary>
    public int AddSource() => Add(_sources);

    /// <summary>Registers a sink worker; called while wiring.</summary>
    public int AddSink() => Add(_sinks);

    private static int Add(List<Participant> list)
    {
        list.Add(new Participant());
        return list.Count - 1;
    }

    /// <summary>Starts the interval timer (no checkpoint is requested before a committing source has opened).</summary>
    public void Start(CancellationToken runToken)
    {
        if (options.CheckpointInterval == Timeout.InfiniteTimeSpan) return;
        _runToken = runToken;
        _timer = options.TimeProvider.CreateTimer(_ => Trigger(), null, options.CheckpointInterval, options.CheckpointInterval);
    }

    /// <summary>A source opened; <paramref name="reader"/> is kept for commits when it commits during the run.</summary>
    public void SourceOpened(int source, SourceRunner reader)
    {
        lock (_lock)
        {
            _sources[source].Runner = reader;
            if (reader.CommitsDuringRun) _enabled = true;
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
    public void SinkPassed(int sink, long checkpoint)
    {
        lock (_lock)
        {
            if (checkpoint != _inFlight) return;
            _sinks[sink].Passed = true;
            if (AllSinksPassed()) Complete();
        }
    }

    /// <summary>A sink worker completed: it will see no more barriers and holds nothing back.</summary>
    public void SinkEnded(int sink)
    {
        lock (_lock)
        {
            _sinks[sink].Ended = true;
            if (_inFlight != 0 && AllSinksPassed()) Complete();
        }
    }

    private bool AllSinksPassed() => _sinks.TrueForAll(static s => s.Passed || s.Ended);

    /// <summary>Called under the lock: hands the commits to a task, so sink workers never wait for sources.</summary>
    private void Complete()
    {
        long checkpoint = _inFlight;
        var commits = new List<(SourceRunner Runner, object Position)>();
        foreach (var source in _sources)
        {
            if (source.Runner is { } runner && source.Position is { } position) commits.Add((runner, position));
        }

        long started = _started;
        _completing = _completing.ContinueWith(_ => CommitAsync(checkpoint, commits, started), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    private async Task CommitAsync(long checkpoint, List<(SourceRunner Runner, object Position)> commits, long started)
    {
        Exception? commitFailure = null;
        try
        {
            if (DeadLetters is { } deadLetters) await deadLetters.FlushAsync(_runToken).ConfigureAwait(false);
            foreach (var (runner, position) in commits)
            {
                if (_runToken.IsCancellationRequested) return;
                try
                {
                    await runner.CommitAsync(position, _runToken).ConfigureAwait(false);
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
        catch (OperationCanceledException) when (_runToken.IsCancellationRequested)
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

    /// <summary>The run's dead-letter drain, flushed before a checkpoint commits (null when there is none).</summary>
    public DeadLetterDrain? DeadLetters { get; set; }

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

    private sealed class Participant
    {
        public SourceRunner? Runner;
        public object? Position;
        public bool Passed;
        public bool Ended;
    }
}
