using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>
/// A per-element operator. It has no state, so it is fused into every producer chain that reaches it: each
/// producer instance (source task or stage worker) gets its own copy, and no queue sits in between.
/// </summary>
internal abstract class StatelessNode<TIn, TOut>(int id, string verb, Node<TIn> input, bool hasEventTime)
    : Node<TOut>(id, verb, hasEventTime), IConsumerOf<TIn>
{
    public Node<TIn> Input { get; } = input;

    public override IEnumerable<Node> Upstream => [Input];

    /// <summary>A fusable node heads a fused run when its only live consumer can be fused too; otherwise it runs as its own operator.</summary>
    public virtual void AddLinks(Node<TIn> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<TIn>> links)
    {
        if (this is IFusableNode<TIn> fusable && FusedRunLink<TIn>.TryCompile(fusable, producer, compiler) is { } run)
        {
            links.Add(run);
            return;
        }

        links.Add(new OperatorLink<TIn, TOut>(this, CompileConsumers(producer, compiler)));
    }

    /// <summary>The next operator of a fused run: the only live consumer, when it is fusable.</summary>
    public IFusableNode? NextInRun => SingleLiveConsumer() is IFusableNode { OnlyHeadsRun: false } next ? next : null;

    /// <summary>
    /// Completes this node's step in a fused run: counts its output when it is not the run's last operator, and creates
    /// the steps after it (the next node's and those after that), or the run's end, emitting into this node's output.
    /// </summary>
    protected TStep InRun<TStep>(int after, FusedRunBuilder run, Func<FusedStep<TOut>, OperatorContext, TStep> create)
        where TStep : FusedStep
    {
        FusedStep<TOut> next;
        if (after > 0)
        {
            next = ((IFusableNode<TOut>)NextInRun!).CreateSteps(after - 1, run);
        }
        else
        {
            if (run.Origin is { } origin)
            {
                next = new TrackedEmitStep<TOut>((Output<TOut>)run.End!, origin, run.Position);
            }
            else
            {
                var output = run.Context.OutputOf(this, (ChainLink<TOut>[])run.EndLinks);
                run.End = output;
                next = output.CanPush ? new PushStep<TOut>(output, run.Position) : new EmitStep<TOut>(output, run.Position);
            }
        }

        var step = create(next, run.Context.ContextFor(this));
        if (after > 0)
        {
            step.CountInto(run.Context.Telemetry.For(Name, run.Context.Worker));
            run.Counted.Add(step);
        }

        return step;
    }

    public abstract IBatchTarget<TIn> CreateOperator(Output<TOut> output, OperatorContext context);

    /// <summary>The only consumer that will run, if there is exactly one (used to fuse neighbours).</summary>
    protected IConsumer? SingleLiveConsumer()
    {
        IConsumer? single = null;
        foreach (var consumer in Consumers)
        {
            if (!consumer.ReachesSink) continue;
            if (single is not null) return null;
            single = consumer;
        }

        return single;
    }
}
