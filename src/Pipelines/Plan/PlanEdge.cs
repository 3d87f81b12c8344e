namespace Pipelines.Plan;

/// <summary>How an edge spreads a producer's elements over the workers of the stage it feeds.</summary>
internal enum EdgePartitioning
{
    /// <summary>Every element goes to the stage's only worker (sinks).</summary>
    Forward,

    /// <summary>Each element goes to the worker that owns its key (the <see cref="Partitioning"/> rule of <see cref="KeyedPort{T, TKey}"/>); control signals go to every worker.</summary>
    Hash,
}

/// <summary>
/// An edge of the physical plan: one path of a producer vertex's chain that ends at an input port of a stage.
/// Each worker of <see cref="From"/> is one input of every worker of <see cref="To"/>: input
/// <see cref="FirstInput"/> + its worker index. A producer that reaches the same port along two paths (a fan-out
/// joined again by a union) has two edges, and so two inputs, each ending on its own.
/// </summary>
internal abstract class PlanEdge(int index, Vertex from, StageVertex to, int port, EdgePartitioning partitioning, int firstInput)
{
    /// <summary>The edge's place in <see cref="PhysicalPlan.Edges"/>.</summary>
    public int Index { get; } = index;

    public Vertex From { get; } = from;

    public StageVertex To { get; } = to;

    /// <summary>The input port of <see cref="To"/> (0, or 1 for the right side of a join).</summary>
    public int Port { get; } = port;

    public EdgePartitioning Partitioning { get; } = partitioning;

    /// <summary>The input index, at every worker of <see cref="To"/>, of <see cref="From"/>'s worker 0.</summary>
    public int FirstInput { get; } = firstInput;

    /// <summary>The input index at the target workers of producer worker <paramref name="worker"/>.</summary>
    public int InputOf(int worker) => FirstInput + worker;

    /// <summary>A <c>BatchPool&lt;T&gt;</c> of the edge's element type, for the batches its port receives (streaming: one per port, shared by every edge into it).</summary>
    public abstract object CreatePool(int batchSize, int maxRetained);

    public override string ToString() => $"{From.Name} -> {To.Name}[{Port}] ({Partitioning})";
}

/// <summary>An edge carrying elements of type <typeparamref name="T"/>.</summary>
internal sealed class PlanEdge<T>(int index, Vertex from, StageVertex to, StagePort<T> port, int firstInput)
    : PlanEdge(index, from, to, port.Index, port.IsKeyed ? EdgePartitioning.Hash : EdgePartitioning.Forward, firstInput)
{
    /// <summary>The worker (of <paramref name="workers"/>) that receives <paramref name="value"/>; may throw when the key selector does.</summary>
    public int PartitionOf(T value, int workers) => port.PartitionOf(value, workers);

    /// <summary>The workers of a batch's elements (<see cref="StagePort{T}.PartitionsOf"/>); throws when the key selector does.</summary>
    public void PartitionsOf(ReadOnlySpan<T> values, Span<int> targets, HashToWorker workers) => port.PartitionsOf(values, targets, workers);

    /// <summary>The key-group rule of <see cref="StagePort{T}.KeyGroupRouter"/> for this edge's port.</summary>
    public Func<T, int> KeyGroupRouter(Checkpoints.Serialization.StateSerializerRegistry serializers, int maxParallelism, int workers) =>
        port.KeyGroupRouter(serializers, maxParallelism, workers);

    /// <summary>The rule of <see cref="StagePort{T}.PartitionRouter"/> for this edge's port.</summary>
    public Func<T, int>? PartitionRouter(IPartitionedStateSource source, int workers) => port.PartitionRouter(source, workers);

    public override object CreatePool(int batchSize, int maxRetained) => new Runtime.BatchPool<T>(batchSize, maxRetained);
}
