namespace Pipelines.Plan;

/// <summary>
/// A vertex of the physical plan: something that runs as one or more workers — a source (one task) or a stage
/// (keyed state or a sink) — together with the stateless operators fused behind it. Immutable once the plan is
/// made; executors create each worker from it, passing the worker index.
/// </summary>
internal abstract class Vertex
{
    private IReadOnlyDictionary<Node, object> _chains = new Dictionary<Node, object>();

    protected Vertex(int index, Node head, OperatorId id, int parallelism)
    {
        Index = index;
        Head = head;
        Id = id;
        Parallelism = parallelism;
    }

    /// <summary>The vertex's place in <see cref="PhysicalPlan.Vertices"/> (sources first, then stages in graph order).</summary>
    public int Index { get; }

    /// <summary>The node the vertex starts with: a source node or a stage node.</summary>
    public Node Head { get; }

    /// <summary>The stable id of the vertex's head operator: where its state is found in a checkpoint.</summary>
    public OperatorId Id { get; }

    public string Name => Head.Name;

    /// <summary>How many workers run the vertex.</summary>
    public int Parallelism { get; }

    /// <summary>The edges into the vertex's workers (none for a source), in input order.</summary>
    public IReadOnlyList<PlanEdge> Inputs { get; private set; } = [];

    /// <summary>The edges from the vertex's chain to stages, in the order a worker creates them.</summary>
    public IReadOnlyList<PlanEdge> Outputs { get; private set; } = [];

    /// <summary>How many producer workers feed each worker of the vertex (the sum of the input vertices' parallelism over <see cref="Inputs"/>).</summary>
    public int InputCount { get; private set; }

    /// <summary>
    /// The compiled chain (a <c>ChainLink&lt;T&gt;[]</c>) behind each node whose output this vertex produces: the
    /// head, and a stage's side outputs (late elements) that reach a sink.
    /// </summary>
    public ChainLink<T>[] ChainOf<T>(Node<T> node) =>
        _chains.TryGetValue(node, out var links)
            ? (ChainLink<T>[])links
            : throw new InvalidOperationException($"'{node.Name}' is not an output of '{Name}' in the physical plan.");

    /// <summary>True when <paramref name="node"/>'s output is produced by this vertex and read downstream.</summary>
    public bool HasChain(Node node) => _chains.ContainsKey(node);

    /// <summary>Called once by <see cref="PhysicalPlan.Create"/> when every edge is known.</summary>
    internal void Connect(IReadOnlyDictionary<Node, object> chains, IReadOnlyList<PlanEdge> inputs, IReadOnlyList<PlanEdge> outputs)
    {
        _chains = chains;
        Inputs = inputs;
        Outputs = outputs;
        InputCount = inputs.Sum(e => e.From.Parallelism);
    }

    public override string ToString() => $"{Name} [{Id}] x{Parallelism}";
}

/// <summary>A source: one task reading it into its chain.</summary>
internal sealed class SourceVertex(int index, ISourceNode node, OperatorId id, int sourceIndex) : Vertex(index, (Node)node, id, 1)
{
    public ISourceNode Node { get; } = node;

    /// <summary>The source's place among the plan's sources (the order they were added): its index in a checkpoint.</summary>
    public int SourceIndex { get; } = sourceIndex;
}

/// <summary>A stage: keyed state (one worker per key partition) or a sink (one worker).</summary>
internal sealed class StageVertex(int index, IStageNode node, OperatorId id, int parallelism, int stageIndex, int sinkIndex) : Vertex(index, (Node)node, id, parallelism)
{
    public IStageNode Node { get; } = node;

    /// <summary>The stage's place among the plan's stages (graph order: every stage comes after the stages feeding it).</summary>
    public int StageIndex { get; } = stageIndex;

    /// <summary>The sink's place among the plan's sinks (its index for barrier acknowledgements), or −1 for a keyed stage.</summary>
    public int SinkIndex { get; } = sinkIndex;

    public bool IsSink => SinkIndex >= 0;

    /// <summary>
    /// True for a sink with one worker fed by one producer worker through one edge that routes nothing by key: it can
    /// run inside that producer's task (<see cref="StreamingOptions.ChainSinks"/>), since nothing reaches it from
    /// anywhere else.
    /// </summary>
    public bool CanRunInProducer =>
        IsSink && Parallelism == 1 && Inputs.Count == 1 && InputCount == 1 && Inputs[0].Partitioning == EdgePartitioning.Forward;
}
