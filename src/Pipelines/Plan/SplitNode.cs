using System.Diagnostics;
using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary><c>Split</c>: elements for which the predicate holds on this node's output, the others on <see cref="NotMatching"/>.</summary>
internal sealed class SplitNode<T> : StatelessNode<T, T>, IHasSideOutput
{
    private readonly Func<T, bool> _predicate;

    public SplitNode(int id, int restId, Node<T> input, Func<T, bool> predicate)
        : base(id, "Split", input, input.HasEventTime)
    {
        _predicate = predicate;
        NotMatching = new SideOutputNode<T>(restId, this, input.HasEventTime, "SplitNotMatching");
    }

    public SideOutputNode<T> NotMatching { get; }

    public IReadOnlyList<Node> SideOutputs => [NotMatching];

    public override void AddLinks(Node<T> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<T>> links) =>
        links.Add(new SplitLink(
            this,
            CompileConsumers(producer, compiler),
            NotMatching.ReachesSink ? NotMatching.CompileConsumers(producer, compiler) : null));

    public override IBatchTarget<T> CreateOperator(Output<T> output, OperatorContext context) =>
        throw new UnreachableException("Split builds its operator with both outputs in its chain link.");

    /// <summary>The split in a fused chain: each worker gets its own operator writing to both chains (the second only when read).</summary>
    private sealed class SplitLink(SplitNode<T> node, ChainLink<T>[] matching, ChainLink<T>[]? notMatching) : ChainLink<T>
    {
        public override IBatchTarget<T> Instantiate(WorkerContext context) =>
            new Split<T>(
                node._predicate,
                context.OutputOf(node, matching),
                notMatching is null ? null : context.OutputOf(node.NotMatching, notMatching),
                context.ContextFor(node));
    }
}
