namespace Pipelines.Plan;

/// <summary>Something that consumes a node's output: a node, or an input port of a stage.</summary>
internal interface IConsumer
{
    bool ReachesSink { get; }
}

/// <summary>A consumer of elements of type <typeparamref name="T"/>.</summary>
internal interface IConsumerOf<T> : IConsumer
{
    /// <summary>
    /// Adds the links of the physical plan that receive <paramref name="upstream"/>'s output inside the chain of
    /// <paramref name="producer"/>: a fused operator, a union's consumers, or an edge to a stage.
    /// </summary>
    void AddLinks(Node<T> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<T>> links);
}

/// <summary>A node of the logical graph the builder makes.</summary>
internal abstract class Node(int id, string verb) : IConsumer
{
    /// <summary>The builder's number for the node: its place in the order the graph was written, unique within one pipeline.</summary>
    public int Id { get; } = id;

    /// <summary>What the node does (<c>Source</c>, <c>Where</c>, <c>Window</c>, <c>Join</c>, …); part of its <see cref="OperatorId"/>.</summary>
    public string Kind { get; } = verb;

    public string Name { get; set; } = $"{verb}#{id}";

    /// <summary>
    /// An operator id the user chose (Flink's <c>uid()</c>); null derives one from the node's kind and place in the
    /// graph (<see cref="OperatorIds"/>). Set by <see cref="DataStream{T}.Uid"/>.
    /// </summary>
    public string? Uid { get; set; }

    /// <summary>The policy set on this operator; null uses the pipeline's.</summary>
    public ErrorPolicy? ErrorPolicy { get; set; }

    public List<IConsumer> Consumers { get; } = [];

    /// <summary>Whether any sink is downstream; set by <see cref="PipelineBuilder.Build"/>. Branches that reach no sink are not run.</summary>
    public bool ReachesSink { get; set; }

    /// <summary>Nodes whose output this node reads (for validation and reachability).</summary>
    public abstract IEnumerable<Node> Upstream { get; }

    /// <summary>
    /// The links that receive this node's output when it heads a chain of <paramref name="producer"/> (a source's
    /// output, a stage's output or side output): a <c>ChainLink&lt;T&gt;[]</c>, or null for a node without output.
    /// </summary>
    public virtual object? CompileOutput(Vertex producer, ChainCompiler compiler) => null;

    public override string ToString() => Name;
}

/// <summary>A node producing elements of type <typeparamref name="T"/>.</summary>
internal abstract class Node<T>(int id, string verb, bool hasEventTime) : Node(id, verb)
{
    /// <summary>Whether elements carry event times (set by <c>WithEventTime</c> or by windowed results).</summary>
    public bool HasEventTime { get; } = hasEventTime;

    /// <summary>The links of every consumer that runs (reaches a sink), in the order the consumers were added.</summary>
    public ChainLink<T>[] CompileConsumers(Vertex producer, ChainCompiler compiler)
    {
        var links = new List<ChainLink<T>>();
        foreach (var consumer in Consumers)
        {
            if (consumer.ReachesSink) ((IConsumerOf<T>)consumer).AddLinks(this, producer, compiler, links);
        }

        return [.. links];
    }

    public sealed override object? CompileOutput(Vertex producer, ChainCompiler compiler) => CompileConsumers(producer, compiler);

    /// <summary>This node's output in the worker being created: its chain of the physical plan, instantiated.</summary>
    public Runtime.Output<T> BuildOutput(WorkerContext context) => context.OutputOf(this);
}
