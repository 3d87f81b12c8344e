namespace Pipelines.Plan;

/// <summary>The late-data output of a windowed aggregation or a join: elements later than the allowed lateness.</summary>
internal sealed class LateNode<T>(int id, Node window, bool hasEventTime, string verb = "LateElements") : Node<T>(id, verb, hasEventTime)
{
    public override IEnumerable<Node> Upstream => [window];

    /// <summary>The output the operator writes late elements to, or null when nothing downstream reads them.</summary>
    public Runtime.Output<T>? BuildOutputIfUsed(WorkerContext context) => ReachesSink ? BuildOutput(context) : null;
}
