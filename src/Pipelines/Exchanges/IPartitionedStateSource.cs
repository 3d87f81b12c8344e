namespace Pipelines;

/// <summary>
/// Implemented by the source of an <see cref="Exchange{T}"/> whose partitions carry keyed state from one instance of
/// a pipeline to another (a Kafka repartition topic). With <see cref="StreamingOptions.CheckpointStorage"/> set, the
/// keyed stage reading such a source splits its state by the source's partitions (a key's partition is its key
/// group), writes each partition's state at every checkpoint under the position the source commits with it, restores
/// a partition's state when the source is assigned it (<see cref="SourceContext.AssignPartitions"/>) and drops it,
/// without emitting it, when the source loses it (<see cref="SourceContext.RevokePartitions"/>).
/// </summary>
public interface IPartitionedStateSource
{
    /// <summary>The number of partitions; read once the source's reader is open.</summary>
    int PartitionCount { get; }

    /// <summary>
    /// The partition of a key of type <typeparamref name="TKey"/> (the one the exchange sends the key's elements to),
    /// or null when the exchange's key is of another type.
    /// </summary>
    /// <typeparam name="TKey">The key type of the stage after the exchange.</typeparam>
    Func<TKey, int>? PartitionerFor<TKey>();

    /// <summary>
    /// Where partition <paramref name="partition"/> stands in <paramref name="position"/>, a position this source's
    /// reader captured at a checkpoint barrier: the offset its next owner resumes from once that checkpoint is
    /// committed, and so the version of the partition's state stored with it. False when the position has no entry
    /// for the partition.
    /// </summary>
    /// <param name="position">The position object the reader captured.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The partition's offset in it.</param>
    bool TryGetPartitionOffset(object position, int partition, out long offset);
}
