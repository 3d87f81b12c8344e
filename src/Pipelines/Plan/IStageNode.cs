using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>A node that starts a stage: keyed state or a sink. Executors create one instance per worker.</summary>
internal interface IStageNode
{
    string Name { get; }

    /// <summary>True for keyed stages (parallel by key); false for stages with exactly one worker (sinks).</summary>
    bool IsKeyed { get; }

    bool ReachesSink { get; }

    /// <summary>A keyed stage's key equality (the <c>IEqualityComparer&lt;TKey&gt;</c> given to <c>KeyBy</c>); null for the key type's own.</summary>
    object? KeyComparer => null;

    /// <summary>Creates the operator of worker <see cref="WorkerContext.Worker"/>, with its outputs instantiated from the vertex's chains.</summary>
    StageOperator CreateOperator(WorkerContext context);
}
