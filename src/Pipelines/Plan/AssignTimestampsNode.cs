using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary><c>WithEventTime</c>: event times and the watermark strategy.</summary>
internal sealed class AssignTimestampsNode<T>(int id, Node<T> input, ElementFunction<T, DateTimeOffset> timestampOf, WatermarkStrategy strategy)
    : StatelessNode<T, T>(id, "WithEventTime", input, hasEventTime: true), ICarriesOrigins
{
    public override IBatchTarget<T> CreateOperator(Output<T> output, OperatorContext context)
    {
        var op = new AssignTimestamps<T>(timestampOf, strategy.CreateTracker<T>(), output, context);
        if (context.Policy.WatermarksDuringRun) context.Run.AddWatermark(context.OperatorName, context.Worker, () => op.Emitted);
        return op;
    }
}
