using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>What creating the steps of one worker's fused run collects: the run's end (the last operator's output) and the steps whose output is counted for their operator.</summary>
internal sealed class FusedRunBuilder(WorkerContext context, object endLinks)
{
    public WorkerContext Context { get; } = context;

    /// <summary>The links that receive the last operator's output (a <c>ChainLink&lt;TLast&gt;[]</c>).</summary>
    public object EndLinks { get; } = endLinks;

    /// <summary>The last operator's output, once its step is created.</summary>
    public IOutput? End { get; set; }

    /// <summary>
    /// Set for the copy of a run's steps that carries origins (<see cref="TrackedEmitStep{T}"/>): its end writes to the
    /// same output (<see cref="End"/>, already created).
    /// </summary>
    public OriginSlot? Origin { get; init; }

    /// <summary>
    /// The watermark of a run that starts with <c>WithEventTime</c> (an <see cref="EventTimeClock{T}"/> of the run's
    /// element type), created with the first copy of the steps and shared by the copy that carries origins.
    /// </summary>
    public object? Clock { get; set; }

    /// <summary>Which step of the run is at work: written by the steps, read where the run catches a failure.</summary>
    public FusedRunPosition Position { get; } = new();

    /// <summary>Every step but the last operator's: their outputs are counted from the run.</summary>
    public List<FusedStep> Counted { get; } = [];
}
