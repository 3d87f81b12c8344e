namespace Pipelines.Diagnostics;

/// <summary>
/// The counters of one <see cref="GraphNode"/> at the time of a <see cref="RunSnapshot"/>, summed over its
/// instances. Counts and times only grow: rates are differences between two snapshots.
/// </summary>
public sealed record NodeSnapshot
{
    /// <summary>The node (<see cref="GraphNode.Id"/>).</summary>
    public required string Id { get; init; }

    /// <summary>Elements the node received (for a source: read).</summary>
    public required long ElementsIn { get; init; }

    /// <summary>Elements the node emitted (for a sink: handed to its writer).</summary>
    public required long ElementsOut { get; init; }

    /// <summary>
    /// Time its tasks spent processing, summed over workers (zero for nodes without <see cref="GraphNode.HasTask"/>);
    /// for a sink this includes waiting for its writer, which is the sink's work.
    /// </summary>
    public required TimeSpan BusyTime { get; init; }

    /// <summary>Time its tasks spent waiting for room in a full output channel: the node is slowed down by what follows it.</summary>
    public required TimeSpan BackpressuredTime { get; init; }

    /// <summary>Time its tasks spent waiting for input.</summary>
    public required TimeSpan IdleTime { get; init; }

    /// <summary>
    /// The node's event-time watermark (the minimum over its workers; for a keyed stage or sink, the merged
    /// watermark of its inputs), or null before the first one and after the final one.
    /// </summary>
    public DateTimeOffset? Watermark { get; init; }

    /// <summary>The run's clock minus <see cref="Watermark"/>: how far event time trails behind.</summary>
    public TimeSpan? WatermarkLag { get; init; }

    /// <summary>Messages (batches, watermarks) waiting in the node's input channels, over all its workers; the occupancy of the edges into it.</summary>
    public int QueuedMessages { get; init; }

    /// <summary>How many messages its input channels hold at most (zero for nodes without channels).</summary>
    public int QueueCapacity { get; init; }
}
