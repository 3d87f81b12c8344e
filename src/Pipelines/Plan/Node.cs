namespace Pipelines.Plan;

/// <summary>Something that consumes a node's output: a node, or an input port of a stage.</summary>
internal interface IConsumer
{
    bool ReachesSink { get; }
}

/// <summary>A consumer of elements of type <typeparamref name="T"/>.</summary>
internal interface IConsumerOf<T> : IConsumer
{
    /// <summary>Adds the targets that receive <paramref name="upstream"/>'s output for one producer instance.</summary>
    void AddTargets(Node<T> upstream, PlanContext context, List<Runtime.IBatchTarget<T>> targets);
}

/// <summary>A node of the logical graph the builder makes.</summary>
internal abstract class Node(int id, string verb) : IConsumer
{
    public int Id { get; } = id;

    public string Name { get; set; } = $"{verb}#{id}";

    /// <summary>The policy set on this operator; null uses the pipeline's.</summary>
    public ErrorPolicy? ErrorPolicy { get; set; }

    public List<IConsumer> Consumers { get; } = [];

    /// <summary>Whether any sink is downstream; set by <see cref="PipelineBuilder.Build"/>. Branches that reach no sink are not run.</summary>
    public bool ReachesSink { get; set; }

    /// <summary>Nodes whose output this node reads (for validation and reachability).</summary>
    public abstract IEnumerable<Node> Upstream { get; }

    public override string ToString() => Name;
}

/// <summary>A node producing elements of type <typeparamref name="T"/>.</summary>
internal abstract class Node<T>(int id, string verb, bool hasEventTime) : Node(id, verb)
{
    /// <summary>Whether elements carry event times (set by <c>WithEventTime</c> or by windowed results).</summary>
    public bool HasEventTime { get; } = hasEventTime;

    public Runtime.IBatchTarget<T>[] BuildTargets(PlanContext context)
    {
        var targets = new List<Runtime.IBatchTarget<T>>();
        foreach (var consumer in Consumers)
        {
            if (consumer.ReachesSink) ((IConsumerOf<T>)consumer).AddTargets(this, context, targets);
        }

        return [.. targets];
    }

    public Runtime.Output<T> BuildOutput(PlanContext context) => new(BuildTargets(context), context.BatchSize, context.Telemetry.For(Name, context.Worker));
}
