namespace Pipelines.Dashboard.Kafka;

/// <summary>
/// The restores of one keyed stage's partition (moving state): the core meter tags them with the stage's operator id and
/// the partition of the repartition topic it reads, not with the topic, which the run's graph supplies.
/// </summary>
internal sealed class PartitionRestoreState(string operatorId, int partition)
{
    public string OperatorId { get; } = operatorId;

    public int Partition { get; } = partition;

    public int Restores { get; set; }

    public double? LastMilliseconds { get; set; }

    public long? LastBytes { get; set; }

    public long TotalBytes { get; set; }
}
