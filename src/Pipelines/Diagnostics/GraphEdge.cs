namespace Pipelines.Diagnostics;

/// <summary>Elements flow from node <paramref name="From"/> to node <paramref name="To"/> (ids of <see cref="GraphNode"/>).</summary>
/// <param name="From">The producing node.</param>
/// <param name="To">The consuming node.</param>
/// <param name="Channel">True when the edge crosses a channel between tasks (into a keyed stage or a sink under the streaming executor, unless the sink runs in its producer's task: <see cref="StreamingOptions.ChainSinks"/>); its occupancy is the consumer's <see cref="NodeSnapshot.QueuedMessages"/>.</param>
/// <param name="ByKey">True when elements are routed to the consumer's workers by key.</param>
public sealed record GraphEdge(string From, string To, bool Channel, bool ByKey);
