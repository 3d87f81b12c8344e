namespace Pipelines.Diagnostics;

/// <summary>One node of a run's job graph (<see cref="MonitoredRun.Nodes"/>).</summary>
/// <param name="Id">Unique within the run; what <see cref="GraphEdge"/> and <see cref="NodeSnapshot.Id"/> refer to.</param>
/// <param name="Name">The operator's name (e.g. <c>Window#4</c>, or the name given with <c>Named</c>), the <c>operator</c> tag of its metrics.</param>
/// <param name="Kind">Source, operator or sink.</param>
/// <param name="Parallelism">How many instances run it: the workers of a keyed stage, one for a source or a sink; an operator fused into the tasks before it runs in each of them.</param>
/// <param name="Detail">The source's or sink's own name, or null.</param>
/// <param name="HasTask">True when the node runs in a task of its own (a source, a keyed stage or a sink under the streaming executor), so its busy, backpressured and idle times are measured; fused operators run inside the task before them, and so does a sink fed by one task (<see cref="StreamingOptions.ChainSinks"/>), whose writes count in that task's times.</param>
public sealed record GraphNode(string Id, string Name, NodeKind Kind, int Parallelism, string? Detail, bool HasTask)
{
    /// <summary>
    /// The operator's stable id: the same for the same pipeline in every run, what checkpoints store state under and the
    /// <c>operator</c> tag of the moving-state metrics (<c>pipelines.state.partition.restore.*</c>); null when unknown.
    /// </summary>
    public string? OperatorId { get; init; }
}
