using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>
/// <c>Where</c>. With a <c>Select</c> as its only consumer and nothing fusable after that, the two run as one
/// two-pass loop (<see cref="WhereSelect{TIn, TOut, TSite, TPredicate, TSelector}"/>: filtering without a data-dependent branch); in a longer run
/// of <c>Where</c> and <c>Select</c> operators, as a step of a <see cref="FusedRun{T}"/>.
/// </summary>
internal sealed class WhereNode<T>(int id, Node<T> input, ElementFunction<T, bool> predicate) : StatelessNode<T, T>(id, "Where", input, input.HasEventTime), IFusableNode<T>, ICarriesOrigins
{
    public ElementFunction<T, bool> Predicate { get; } = predicate;

    public override void AddLinks(Node<T> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<T>> links)
    {
        if (NextInRun is ISelectFusable<T> select && select.NextInRun is null && select.ErrorPolicy == ErrorPolicy)
        {
            links.Add(select.CompileFused(this, producer, compiler));
            return;
        }

        base.AddLinks(upstream, producer, compiler, links);
    }

    public override IBatchTarget<T> CreateOperator(Output<T> output, OperatorContext context) => StatelessOperators.Where(Predicate, output, context);

    public FusedStep<T> CreateSteps(int after, FusedRunBuilder run) =>
        InRun(after, run, (next, context) => FusedSteps.Where(Predicate, next, context, run.Position, after));
}

/// <summary>A <c>Select</c> that can absorb the <c>Where</c> before it.</summary>
internal interface ISelectFusable<T> : IFusableNode<T>
{
    ErrorPolicy? ErrorPolicy { get; }

    /// <summary>The link that runs <paramref name="where"/> and this <c>Select</c> as one operator.</summary>
    ChainLink<T> CompileFused(WhereNode<T> where, Vertex producer, ChainCompiler compiler);
}
