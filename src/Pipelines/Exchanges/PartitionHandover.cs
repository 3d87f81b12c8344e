namespace Pipelines.Exchanges;

/// <summary>
/// A source told the run that it was assigned or lost partitions (<see cref="SourceContext.AssignPartitions"/>,
/// <see cref="SourceContext.RevokePartitions"/>): travels in stream order from the source to the keyed stage that
/// reads it, after every element read before and ahead of every element read after, like a barrier. Stateless
/// operators pass it on; the keyed stage whose state is partitioned by <see cref="Source"/> restores or drops the
/// partitions' state, and nothing goes further.
/// </summary>
/// <param name="Source">The source (an <see cref="IPartitionedStateSource"/>).</param>
/// <param name="Assigned">Partitions assigned, each with the offset reading resumes from (null: from the start, no state).</param>
/// <param name="Revoked">Partitions lost.</param>
internal sealed record PartitionHandover(object Source, IReadOnlyList<(int Partition, long? Offset)> Assigned, IReadOnlyList<int> Revoked);
