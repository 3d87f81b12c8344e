using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary><c>Where</c>; fused with a following <c>Select</c> into one loop when that is its only consumer.</summary>
internal sealed class WhereNode<T>(int id, Node<T> input, Func<T, bool> predicate) : StatelessNode<T, T>(id, "Where", input, input.HasEventTime)
{
    public Func<T, bool> Predicate { get; } = predicate;

    public override void AddLinks(Node<T> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<T>> links)
    {
        if (SingleLiveConsumer() is ISelectFusable<T> select && select.ErrorPolicy == ErrorPolicy)
        {
            links.Add(select.CompileFused(this, producer, compiler));
            return;
        }

        base.AddLinks(upstream, producer, compiler, links);
    }

    public override IBatchTarget<T> CreateOperator(Output<T> output, OperatorContext context) => new Where<T>(Predicate, output, context);
}

/// <summary>A <c>Select</c> that can absorb the <c>Where</c> before it.</summary>
internal interface ISelectFusable<T>
{
    ErrorPolicy? ErrorPolicy { get; }

    /// <summary>The link that runs <paramref name="where"/> and this <c>Select</c> as one operator.</summary>
    ChainLink<T> CompileFused(WhereNode<T> where, Vertex producer, ChainCompiler compiler);
}
