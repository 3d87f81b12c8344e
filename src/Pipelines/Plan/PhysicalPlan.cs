namespace Pipelines.Plan;

/// <summary>
/// What executors run: the pipeline's operators grouped into vertices (each source with its fused chain, each
/// stage with its fused chain), each vertex with its stable <see cref="OperatorId"/>, its parallelism, and the
/// edges between them with their partitioning. Immutable: made once per run from the logical graph, it holds no
/// per-run or per-worker state, and executors create every worker from it by passing the worker's index.
/// </summary>
internal sealed class PhysicalPlan
{
    private PhysicalPlan(Pipeline pipeline, IReadOnlyList<SourceVertex> sources, IReadOnlyList<StageVertex> stages, IReadOnlyList<PlanEdge> edges, IReadOnlyDictionary<Node, OperatorId> ids)
    {
        Pipeline = pipeline;
        Sources = sources;
        Stages = stages;
        Sinks = [.. stages.Where(s => s.IsSink)];
        Vertices = [.. sources, .. stages];
        Edges = edges;
        OperatorIds = ids;
    }

    public Pipeline Pipeline { get; }

    /// <summary>Every vertex: the sources, then the stages.</summary>
    public IReadOnlyList<Vertex> Vertices { get; }

    /// <summary>The sources, in the order they were added.</summary>
    public IReadOnlyList<SourceVertex> Sources { get; }

    /// <summary>The stages in graph order: a stage comes after every stage that feeds it, so creating them from last to first finds each one's consumers already created.</summary>
    public IReadOnlyList<StageVertex> Stages { get; }

    /// <summary>The stages that are sinks, in graph order (<see cref="StageVertex.SinkIndex"/>).</summary>
    public IReadOnlyList<StageVertex> Sinks { get; }

    public IReadOnlyList<PlanEdge> Edges { get; }

    /// <summary>The id of every operator that runs, fused ones included.</summary>
    public IReadOnlyDictionary<Node, OperatorId> OperatorIds { get; }

    /// <summary>Makes the plan of <paramref name="pipeline"/> with <paramref name="keyedParallelism"/> workers per keyed stage (sinks have one).</summary>
    public static PhysicalPlan Create(Pipeline pipeline, int keyedParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keyedParallelism, 1);
        var ids = Plan.OperatorIds.Derive(pipeline.Nodes);
        var sources = new List<SourceVertex>();
        foreach (var source in pipeline.Sources)
        {
            sources.Add(new SourceVertex(sources.Count, source, ids[(Node)source], sources.Count));
        }

        var stages = new List<StageVertex>();
        var byNode = new Dictionary<IStageNode, StageVertex>(ReferenceEqualityComparer.Instance);
        int sinks = 0;
        foreach (var stage in pipeline.Stages)
        {
            var vertex = new StageVertex(
                sources.Count + stages.Count, stage, ids[(Node)stage], stage.IsKeyed ? keyedParallelism : 1, stages.Count, stage is ISinkNode ? sinks++ : -1);
            stages.Add(vertex);
            byNode[stage] = vertex;
        }

        var compiler = new ChainCompiler(byNode);
        var chains = new Dictionary<Vertex, Dictionary<Node, object>>();
        foreach (var vertex in sources.Concat<Vertex>(stages))
        {
            var heads = new Dictionary<Node, object>(ReferenceEqualityComparer.Instance);
            foreach (var node in HeadsOf(vertex.Head))
            {
                if (node.CompileOutput(vertex, compiler) is { } links) heads[node] = links;
            }

            chains[vertex] = heads;
        }

        foreach (var vertex in sources.Concat<Vertex>(stages))
        {
            vertex.Connect(
                chains[vertex],
                [.. compiler.Edges.Where(e => e.To == vertex)],
                [.. compiler.Edges.Where(e => e.From == vertex)]);
        }

        return new PhysicalPlan(pipeline, sources, stages, compiler.Edges, ids);
    }

    /// <summary>The nodes whose output a vertex produces: its head and the side outputs that run.</summary>
    private static IEnumerable<Node> HeadsOf(Node head)
    {
        yield return head;
        if (head is not IHasSideOutput side) yield break;
        foreach (var output in side.SideOutputs)
        {
            if (output.ReachesSink) yield return output;
        }
    }

    /// <summary>The vertices and edges, one per line (for debugging and tests).</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Vertices.Select(v => v + (v.Outputs.Count == 0 ? "" : " -> " + string.Join(", ", v.Outputs.Select(e => $"{e.To.Name}[{e.Port}]")))));
}
