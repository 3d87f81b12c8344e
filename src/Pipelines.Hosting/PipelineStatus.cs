using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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

    /// <summary>Held while a change is made and its handlers run, so that handlers see the changes in the order they were made.</summary>
    private readonly Lock _raising = new();
    private Snapshot _current = new(PipelineState.Starting, null, null);
    private PipelineRun? _run;

    internal PipelineStatus(string name)
    {
        Name = name;
    }

    /// <summary>
    /// Raised after every change of <see cref="State"/>, on the thread that made it, one change at a time in the
    /// order they were made; a handler must not block. A handler that throws is logged (category
    /// <c>Pipelines.Hosting</c>) and does not keep the others from running, nor the pipeline from starting, draining
    /// or reporting its end.
    /// </summary>
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
        lock (_raising)
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

            Raise(new PipelineStateChangedEventArgs(previous.State, state, error));
            return true;
        }
    }

    /// <summary>Where a failing <see cref="StateChanged"/> handler is logged; set by the hosted service.</summary>
    internal ILogger? Logger { get; set; }

    private void Raise(PipelineStateChangedEventArgs change)
    {
        if (StateChanged is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<PipelineStateChangedEventArgs>)handler)(this, change);
            }
            catch (Exception ex)
            {
                HostingLog.StateHandlerFailed(Logger ?? NullLogger.Instance, ex, Name, change.Previous, change.Current);
            }
        }
    }

    /// <summary>State, error and summary read together.</summary>
    internal sealed record Snapshot(PipelineState State, Exception? Error, RunSummary? Summary);
}
