namespace Pipelines.Dashboard.Kafka;

// The JSON shape of the Kafka panel (camelCase on the wire), in /api/runs/{id} as "kafka".

/// <summary>The Kafka partitions a run reads, writes through a repartition topic, or restored state for.</summary>
internal sealed record KafkaRunView(IReadOnlyList<KafkaPartitionView> Partitions);

/// <summary>
/// One (topic, partition) in this process. Lag and committed offset are null unless a reader in this process owns the
/// partition (at the last collection, once a second); records read is cumulative since the process started, its rate
/// per second between the last two collections; assignments, revocations, records read again (read past the last
/// commit when the partition was taken from an instance, so read a second time by its next owner), repartition
/// records, and the repartition records dropped as written twice (the second copies of records read again) count
/// since the dashboard started; the restore columns are the last restore of the partition's state
/// (moving state).
/// </summary>
internal sealed record KafkaPartitionView(
    string Topic, int Partition, bool Repartition, IReadOnlyList<string> Sources, IReadOnlyList<string> Groups, bool Owned,
    long? Lag, long? CommittedOffset, long? RecordsRead, double? RecordsPerSecond, long Assigned, long Revoked,
    long RecordsReadAgain, long RecordsSent, long RecordsReceived, long DuplicatesDropped, double? WatermarkLagSeconds, int Restores, double? RestoreMs, long? RestoreBytes);
