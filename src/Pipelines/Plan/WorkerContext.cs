using Pipelines.Execution;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>
/// Everything creating one worker of a vertex needs, passed explicitly: the run, the vertex, the worker's index,
/// the edges of this producer, and what the run opened for it (a sink's writer). Immutable: one per worker.
/// </summary>
internal sealed class WorkerContext(RunContext run, Vertex vertex, int worker, IEdgeFactory edges, object? resource = null, IBarrierAcknowledger? barriers = null)
{
    public RunContext Run { get; } = run;

    public Vertex Vertex { get; } = vertex;

    /// <summary>The worker's index within its vertex (0 for sources and sinks).</summary>
    public int Worker { get; } = worker;

    public IEdgeFactory Edges { get; } = edges;

    /// <summary>What the run opened for this vertex before creating it (a sink's <c>SinkWriter&lt;T&gt;</c>), or null.</summary>
    public object? Resource { get; } = resource;

    /// <summary>Where a sink acknowledges checkpoint barriers; null when the run takes no checkpoints.</summary>
    public IBarrierAcknowledger? Barriers { get; } = barriers;

    public int BatchSize => Run.BatchSize;

    public TimeProvider TimeProvider => Run.TimeProvider;

    public Diagnostics.RunTelemetry Telemetry => Run.Telemetry;

    public CancellationToken RunToken => Run.RunToken;

    public OperatorContext ContextFor(Node node, string? name = null) => Run.ContextFor(node, Worker, name);

    /// <summary>The output of <paramref name="node"/> (the vertex's head or a side output): its chain, instantiated for this worker.</summary>
    public Output<T> OutputOf<T>(Node<T> node) => OutputOf(node, Vertex.ChainOf(node));

    /// <summary>An output named after <paramref name="node"/> that feeds <paramref name="links"/>.</summary>
    public Output<T> OutputOf<T>(Node<T> node, ChainLink<T>[] links) =>
        new(ChainLink<T>.InstantiateAll(links, this), BatchSize, Telemetry.For(node.Name, Worker));
}
