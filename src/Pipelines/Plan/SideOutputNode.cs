namespace Pipelines.Plan;

/// <summary>A further output of a stateless operator (the elements <c>Split</c> does not keep on its main output).</summary>
internal sealed class SideOutputNode<T>(int id, Node owner, bool hasEventTime, string verb) : Node<T>(id, verb, hasEventTime)
{
    public override IEnumerable<Node> Upstream => [owner];

    /// <summary>The output the operator writes to, or null when nothing downstream reads it.</summary>
    public Runtime.Output<T>? BuildOutputIfUsed(PlanContext context) => ReachesSink ? BuildOutput(context) : null;
}
