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

    public override void AddTargets(Node<T> upstream, PlanContext context, List<IBatchTarget<T>> targets) =>
        targets.Add(new Split<T>(_predicate, BuildOutput(context), NotMatching.BuildOutputIfUsed(context), context.ContextFor(this)));

    public override IBatchTarget<T> CreateOperator(Output<T> output, OperatorContext context) =>
        throw new UnreachableException("Split builds its operator with both outputs in AddTargets.");
}
