namespace Pipelines.Kafka;

/// <summary>Where a Kafka source left one partition: the offset of the next record to read.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition number.</param>
/// <param name="NextOffset">The offset after the last record the reader handed to the pipeline (or skipped, or dead-lettered).</param>
/// <param name="Epoch">
/// Which ownership of the partition, within the reader that captured the position, the offset was read in (a
/// reader counts each assignment of a partition as a new one). A reader commits a position it captured only for
/// partitions it still owns in the same epoch, so an offset read before the partition moved to another instance is
/// never committed over that instance's progress. Meaningless to another reader: ignored when a reader is opened at
/// a restored position.
/// </param>
public sealed record KafkaPartitionPosition(string Topic, int Partition, long NextOffset, long Epoch = 0);
