namespace Pipelines.Hosting;

/// <summary>
/// The live status of one hosted pipeline: its <see cref="State"/>, its error, its counters, and its summary once
/// it has ended. One instance per pipeline, for the life of the service provider; inject it with
/// <c>[FromKeyedServices("name")] PipelineStatus status</c> or look it up in <see cref="PipelineStatusRegistry"/>.
/// Thread-safe.
/// </summary>
public sealed class PipelineStatus
{
    private readonly Lock _lock = new();
    private Snapshot _current = new(PipelineState.Starting, null, null);
    private PipelineRun? _run;

    internal PipelineStatus(string name)
    {
        Name = name;
    }

    /// <summary>Raised after every change of <see cref="State"/>, on the thread that made it; a handler must not block.</summary>
    public event EventHandler<PipelineStateChangedEventArgs>? StateChanged;

    /// <summary>The pipeline's name, as given to <c>AddPipeline</c>.</summary>
    public string Name { get; }

    /// <summary>The current state.</summary>
    public PipelineState State => Current.State;

    /// <summary>Why the pipeline failed, when <see cref="State"/> is <see cref="PipelineState.Failed"/>; otherwise null.</summary>
    public Exception? Error => Current.Error;

    /// <summary>What the run did, once it has ended with its results flushed (sources completed, or drained); otherwise null.</summary>
    public RunSummary? Summary => Current.Summary;

    /// <summary>Elements read from the pipeline's sources so far.</summary>
    public long ElementsRead => Current.Summary?.ElementsRead ?? Volatile.Read(ref _run)?.ElementsRead ?? 0;

    /// <summary>Elements dropped so far as later than their window's allowed lateness.</summary>
    public long LateElementsDropped => Current.Summary?.LateElementsDropped ?? Volatile.Read(ref _run)?.LateElementsDropped ?? 0;

    /// <summary>Checkpoints completed so far: how often the sources committed their position while the run went on.</summary>
    public long CheckpointsCompleted => Current.Summary?.CheckpointsCompleted ?? Volatile.Read(ref _run)?.CheckpointsCompleted ?? 0;

    internal Snapshot Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public override string ToString()
    {
        var current = Current;
        return current.Error is null ? $"{Name}: {current.State}" : $"{Name}: {current.State} ({current.Error.Message})";
    }

    internal void Attach(PipelineRun run) => Volatile.Write(ref _run, run);

    /// <summary>
    /// Moves to <paramref name="state"/> when that is a step forward: Running only from Starting, Draining only
    /// from Running, and nothing after Stopped or Failed. Returns whether the state changed.
    /// </summary>
    internal bool TryMoveTo(PipelineState state, Exception? error = null, RunSummary? summary = null)
    {
        Snapshot previous;
        lock (_lock)
        {
            previous = _current;
            bool allowed = (previous.State, state) switch
            {
                (PipelineState.Stopped or PipelineState.Failed, _) => false,
                (PipelineState.Starting, PipelineState.Running) => true,
                (PipelineState.Running, PipelineState.Draining) => true,
                (_, PipelineState.Stopped or PipelineState.Failed) => true,
                _ => false,
            };
            if (!allowed) return false;
            Volatile.Write(ref _current, new Snapshot(state, state == PipelineState.Failed ? error : null, summary));
        }

        StateChanged?.Invoke(this, new PipelineStateChangedEventArgs(previous.State, state, error));
        return true;
    }

    /// <summary>State, error and summary read together.</summary>
    internal sealed record Snapshot(PipelineState State, Exception? Error, RunSummary? Summary);
}
