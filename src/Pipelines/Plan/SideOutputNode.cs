namespace Pipelines.Plan;

/// <summary>A further output of a stateless operator (the elements <c>Split</c> does not keep on its main output).</summary>
internal sealed class SideOutputNode<T>(int id, Node owner, bool hasEventTime, string verb) : Node<T>(id, verb, hasEventTime)
{
    public override IEnumerable<Node> Upstream => [owner];
}
