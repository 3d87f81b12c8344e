using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>A per-element operator that can run as a step of a fused run (<see cref="FusedRun{T}"/>): <c>Where</c>, <c>Select</c>, and <c>WithEventTime</c> at the start of one.</summary>
internal interface IFusableNode : IConsumer
{
    /// <summary>The next operator of the run: this node's only consumer that will run, when it can be fused too.</summary>
    IFusableNode? NextInRun { get; }

    /// <summary>
    /// True for a node that can only be the first of a run (<c>WithEventTime</c>: its watermark replaces the ones
    /// from upstream, which a step in the middle of a run would never see).
    /// </summary>
    bool OnlyHeadsRun => false;

    /// <summary>The links that receive this node's output, when it ends a run.</summary>
    object? CompileOutput(Vertex producer, ChainCompiler compiler);
}

/// <summary>A fusable operator taking elements of type <typeparamref name="TIn"/>.</summary>
internal interface IFusableNode<TIn> : IFusableNode
{
    /// <summary>
    /// This node's step for one worker, followed by the steps of the <paramref name="after"/> nodes after it in the
    /// run; the last one emits into its output (<see cref="FusedRunBuilder.End"/>).
    /// </summary>
    FusedStep<TIn> CreateSteps(int after, FusedRunBuilder run);
}
