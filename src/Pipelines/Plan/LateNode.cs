namespace Pipelines.Plan;

/// <summary>The late-data output of a windowed aggregation: elements later than the allowed lateness.</summary>
internal sealed class LateNode<T>(int id, Node window, bool hasEventTime) : Node<T>(id, "LateElements", hasEventTime)
{
    public override IEnumerable<Node> Upstream => [window];
}
