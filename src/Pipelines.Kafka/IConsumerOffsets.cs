using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// A Kafka source reader's offsets as an exactly-once sink commits them in its transactions: the offsets of the
/// checkpoint the sink pre-commits, the consumer's group metadata (so the group fences a consumer that lost its
/// place in it), and what was committed. Thread-safe: called from the sink's worker and the checkpoint task.
/// </summary>
internal interface IConsumerOffsets
{
    /// <summary>
    /// The offsets of the position the reader took at checkpoint <paramref name="checkpointId"/>'s barrier (not a
    /// later one: a drain may have stopped the reader, and taken its position, while that barrier was on its way to
    /// the sink), for the partitions still owned in the same epoch and past their last commit; with the group's
    /// metadata.
    /// </summary>
    (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) CheckpointOffsets(long checkpointId);

    /// <summary>The offsets after every record handed out, for the owned partitions past their last commit: the run has drained.</summary>
    (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) FinalOffsets();

    /// <summary>A transaction carrying <paramref name="offsets"/> committed.</summary>
    void Committed(List<TopicPartitionOffset> offsets);

    /// <summary>
    /// Waits until the dead-letter copies of the records read so far are durable (throws when one cannot be
    /// delivered): called before the offsets go into a transaction, since a committed offset is never read again.
    /// </summary>
    ValueTask DeadLettersDurableAsync(CancellationToken cancellationToken) => default;
}
