using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>
/// One step of a vertex's fused chain in the physical plan: what receives a node's output inside one producer
/// (source task or stage worker). Immutable; every worker of the vertex instantiates its own targets from it.
/// </summary>
internal abstract class ChainLink<T>
{
    /// <summary>Creates this link's target for the worker of <paramref name="context"/>, and everything downstream of it in the chain.</summary>
    public abstract IBatchTarget<T> Instantiate(WorkerContext context);

    /// <summary>Instantiates every link of a chain position.</summary>
    public static IBatchTarget<T>[] InstantiateAll(ChainLink<T>[] links, WorkerContext context)
    {
        var targets = new IBatchTarget<T>[links.Length];
        for (int i = 0; i < links.Length; i++) targets[i] = links[i].Instantiate(context);
        return targets;
    }
}

/// <summary>A stateless operator fused into the chain: each worker gets its own instance, writing to the links after it.</summary>
internal sealed class OperatorLink<TIn, TOut>(StatelessNode<TIn, TOut> node, ChainLink<TOut>[] next) : ChainLink<TIn>
{
    public StatelessNode<TIn, TOut> Node { get; } = node;

    public IReadOnlyList<ChainLink<TOut>> Next => next;

    public override IBatchTarget<TIn> Instantiate(WorkerContext context) =>
        Node.CreateOperator(context.OutputOf(Node, next), context.ContextFor(Node));
}

/// <summary>A <c>Where</c> and the <c>Select</c> after it, run as one loop.</summary>
internal sealed class FusedWhereSelectLink<TIn, TOut>(WhereNode<TIn> where, SelectNode<TIn, TOut> select, ChainLink<TOut>[] next) : ChainLink<TIn>
{
    public override IBatchTarget<TIn> Instantiate(WorkerContext context) =>
        select.CreateFused(where, context.OutputOf(select, next), context.ContextFor(select, $"{where.Name}+{select.Name}"), context.Telemetry.For(where.Name, context.Worker));
}

/// <summary>The end of a chain: an edge of the physical plan to a stage, created by the executor.</summary>
internal sealed class EdgeLink<T>(PlanEdge<T> edge) : ChainLink<T>
{
    public PlanEdge<T> Edge { get; } = edge;

    public override IBatchTarget<T> Instantiate(WorkerContext context) => context.Edges.CreateEdge(Edge, context.Worker);
}
