using Pipelines.Operators;
using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Plan;

/// <summary>
/// <c>WithEventTime</c>: event times and the watermark strategy. Followed by <c>Where</c> or <c>Select</c> operators,
/// and with a strategy that follows the largest event time (bounded out-of-orderness), it is the first step of their
/// fused run (<see cref="EventTimeStep{T, TSite, TKind}"/>), so the elements are read once; otherwise, and with a
/// custom watermark generator (which sees every element), it runs as its own operator.
/// </summary>
internal sealed class AssignTimestampsNode<T>(int id, Node<T> input, ElementFunction<T, DateTimeOffset> timestampOf, WatermarkStrategy strategy)
    : StatelessNode<T, T>(id, "WithEventTime", input, hasEventTime: true), IFusableNode<T>, ICarriesOrigins
{
    public bool OnlyHeadsRun => true;

    public override void AddLinks(Node<T> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<T>> links)
    {
        if (strategy.FollowsMaximum) base.AddLinks(upstream, producer, compiler, links);
        else links.Add(new OperatorLink<T, T>(this, CompileConsumers(producer, compiler)));
    }

    public override IBatchTarget<T> CreateOperator(Output<T> output, OperatorContext context)
    {
        var op = new AssignTimestamps<T>(timestampOf, strategy.CreateTracker<T>(), output, context);
        if (context.Policy.WatermarksDuringRun) context.Run.AddWatermark(context.OperatorName, context.Worker, () => op.Emitted);
        return op;
    }

    public FusedStep<T> CreateSteps(int after, FusedRunBuilder run) =>
        InRun(after, run, (next, context) => FusedSteps.EventTime(timestampOf, (EventTimeClock<T>?)run.Clock ?? CreateClock(run, context), next, context, run.Position, after));

    /// <summary>The run's watermark, for one worker; its gauge is registered as the operator's would be.</summary>
    private EventTimeClock<T> CreateClock(FusedRunBuilder run, OperatorContext context)
    {
        var clock = new EventTimeClock<T>((BoundedOutOfOrdernessTracker<T>)strategy.CreateTracker<T>(), context.Policy.WatermarksDuringRun);
        if (context.Policy.WatermarksDuringRun) context.Run.AddWatermark(context.OperatorName, context.Worker, () => clock.Emitted);
        run.Clock = clock;
        return clock;
    }
}
