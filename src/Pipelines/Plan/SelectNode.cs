using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary><c>Select</c>.</summary>
internal sealed class SelectNode<TIn, TOut>(int id, Node<TIn> input, ElementFunction<TIn, TOut> selector)
    : StatelessNode<TIn, TOut>(id, "Select", input, input.HasEventTime), ISelectFusable<TIn>, ICarriesOrigins
{
    public override IBatchTarget<TIn> CreateOperator(Output<TOut> output, OperatorContext context) => StatelessOperators.Select(selector, output, context);

    public ChainLink<TIn> CompileFused(WhereNode<TIn> where, Vertex producer, ChainCompiler compiler) =>
        new FusedWhereSelectLink<TIn, TOut>(where, this, CompileConsumers(producer, compiler));

    public FusedStep<TIn> CreateSteps(int after, FusedRunBuilder run) =>
        InRun(after, run, (next, context) => FusedSteps.Select(selector, next, context, run.Position, after));

    public IBatchTarget<TIn> CreateFused(WhereNode<TIn> where, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts) =>
        StatelessOperators.WhereSelect(where.Predicate, selector, output, context, whereCounts);
}
