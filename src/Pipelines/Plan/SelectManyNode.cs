using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary><c>SelectMany</c>.</summary>
internal sealed class SelectManyNode<TIn, TOut>(int id, Node<TIn> input, Func<TIn, IEnumerable<TOut>> selector)
    : StatelessNode<TIn, TOut>(id, "SelectMany", input, input.HasEventTime), ICarriesOrigins
{
    public override IBatchTarget<TIn> CreateOperator(Output<TOut> output, OperatorContext context) => new SelectMany<TIn, TOut>(selector, output, context);
}
