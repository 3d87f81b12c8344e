namespace Pipelines.Plan;

/// <summary>
/// Collects the edges of the physical plan while <see cref="PhysicalPlan.Create"/> compiles each vertex's chain:
/// every stage port a chain reaches becomes an edge, and the target's inputs are numbered in the order edges
/// are found. Used only while the plan is made.
/// </summary>
internal sealed class ChainCompiler(IReadOnlyDictionary<IStageNode, StageVertex> stages)
{
    private readonly List<PlanEdge> _edges = [];
    private readonly Dictionary<StageVertex, int> _inputs = [];

    public IReadOnlyList<PlanEdge> Edges => _edges;

    /// <summary>The edge from <paramref name="producer"/> to <paramref name="port"/>, as the last link of a chain.</summary>
    public EdgeLink<T> Connect<T>(Vertex producer, StagePort<T> port)
    {
        var to = stages[port.Stage];
        int first = _inputs.GetValueOrDefault(to);
        _inputs[to] = first + producer.Parallelism;
        var edge = new PlanEdge<T>(_edges.Count, producer, to, port, first);
        _edges.Add(edge);
        return new EdgeLink<T>(edge);
    }
}
