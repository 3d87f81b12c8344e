using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary><c>Where</c>; fused with a following <c>Select</c> into one loop when that is its only consumer.</summary>
internal sealed class WhereNode<T>(int id, Node<T> input, Func<T, bool> predicate) : StatelessNode<T, T>(id, "Where", input, input.HasEventTime)
{
    public Func<T, bool> Predicate { get; } = predicate;

    public override void AddTargets(Node<T> upstream, PlanContext context, List<IBatchTarget<T>> targets)
    {
        if (SingleLiveConsumer() is ISelectFusable<T> select && select.ErrorPolicy == ErrorPolicy)
        {
            targets.Add(select.CreateFused(this, context));
            return;
        }

        base.AddTargets(upstream, context, targets);
    }

    public override IBatchTarget<T> CreateOperator(Output<T> output, OperatorContext context) => new Where<T>(Predicate, output, context);
}

/// <summary>A <c>Select</c> that can absorb the <c>Where</c> before it.</summary>
internal interface ISelectFusable<T>
{
    ErrorPolicy? ErrorPolicy { get; }

    IBatchTarget<T> CreateFused(WhereNode<T> where, PlanContext context);
}
