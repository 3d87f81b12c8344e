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

    public virtual void AddLinks(Node<TIn> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<TIn>> links) =>
        links.Add(new OperatorLink<TIn, TOut>(this, CompileConsumers(producer, compiler)));

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
