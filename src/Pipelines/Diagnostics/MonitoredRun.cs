namespace Pipelines.Diagnostics;

/// <summary>
/// One pipeline run as <see cref="PipelineMonitor"/> lists it: what it is (name, executor, job graph), where it
/// is (<see cref="State"/>), and its live counters through <see cref="Snapshot"/>. Read-only: stopping a run
/// stays with whoever started it.
/// </summary>
public sealed class MonitoredRun
{
    private readonly Lock _gate = new();
    private RunTelemetry? _live;
    private readonly Runtime.RunCounters _counters;
    private readonly int _channelCapacity;
    private RunState _state = RunState.Running;
    private RunSnapshot? _final;

    internal MonitoredRun(Pipeline pipeline, RunTelemetry telemetry, Runtime.RunCounters counters, bool streaming, int parallelism, int channelCapacity, IReadOnlySet<Plan.Node>? chained = null)
    {
        Id = PipelineMonitor.NextId();
        _live = telemetry;
        Pipeline = telemetry.Pipeline;
        Executor = telemetry.Executor;
        _counters = counters;
        _channelCapacity = channelCapacity;
        StartedAt = telemetry.TimeProvider.GetUtcNow();
        (Nodes, Edges, NodeNames) = JobGraph.Of(pipeline, streaming, parallelism, chained);
        Checkpoints = new CheckpointHistory(telemetry.TimeProvider);
    }

    /// <summary>Unique in the process, increasing with each run started.</summary>
    public long Id { get; }

    /// <summary>The pipeline's name (<see cref="Pipeline.Name"/>).</summary>
    public string Pipeline { get; }

    /// <summary><c>streaming</c> or <c>bounded</c>.</summary>
    public string Executor { get; }

    /// <summary>When the run started (the run's clock, <see cref="StreamingOptions.TimeProvider"/>).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>When the run ended, or null while it runs.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Running, draining, or how it ended.</summary>
    public RunState State
    {
        get
        {
            lock (_gate) return _state;
        }
    }

    /// <summary>The error that failed the run (<see cref="RunState.Failed"/>), or null.</summary>
    public Exception? Error { get; private set; }

    /// <summary>The job graph's nodes: sources, operators and sinks that reach a sink, in definition order (upstream first).</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>The job graph's edges.</summary>
    public IReadOnlyList<GraphEdge> Edges { get; }

    internal CheckpointHistory Checkpoints { get; }

    /// <summary>The operator names whose telemetry belongs to each node, parallel to <see cref="Nodes"/>.</summary>
    private IReadOnlyList<JobGraph.Parts> NodeNames { get; }

    /// <summary>
    /// The run's counters now: totals, per-node counts, busy / backpressured / idle time, watermarks, channel
    /// occupancy and checkpoints. After the run ended, the counters it ended with. Cheap enough to call every
    /// second: it reads counters, it does not stop the run.
    /// </summary>
    public RunSnapshot Snapshot()
    {
        RunTelemetry live;
        RunState state;
        lock (_gate)
        {
            if (_final is not null) return _final;
            live = _live!;
            state = _state;
        }

        return Checkpoints.Fill(JobGraph.Measure(Nodes, NodeNames, live, _counters, _channelCapacity, state, StartedAt));
    }

    internal void Draining()
    {
        lock (_gate)
        {
            if (_state == RunState.Running) _state = RunState.Draining;
        }
    }

    internal void End(RunState state, Exception? error)
    {
        var final = Snapshot();
        lock (_gate)
        {
            if (_final is not null) return;
            _state = state;
            Error = error;
            EndedAt = final.Time;
            _final = final with { State = state };
            _live = null; // the run's tasks and channels are not kept alive by the listing
        }

        PipelineMonitor.Stopped(this);
    }
}
