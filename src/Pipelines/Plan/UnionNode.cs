namespace Pipelines.Plan;

/// <summary>
/// <c>Union</c>: no operator at all. Each input's producers connect straight to the union's consumers, and the
/// stage downstream merges their watermarks (minimum over inputs).
/// </summary>
internal sealed class UnionNode<T>(int id, Node<T>[] inputs, bool hasEventTime) : Node<T>(id, "Union", hasEventTime), IConsumerOf<T>, IUnionNode
{
    public override IEnumerable<Node> Upstream => inputs;

    public void AddLinks(Node<T> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<T>> links) => links.AddRange(CompileConsumers(producer, compiler));
}
