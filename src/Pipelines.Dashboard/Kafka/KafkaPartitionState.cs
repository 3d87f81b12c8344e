namespace Pipelines.Dashboard.Kafka;

/// <summary>
/// What the listener knows of one (topic, partition) in this process, summed over the sources and groups that read it
/// (one, unless two runs in this process read the same partition). Mutated under the listener's lock only.
/// </summary>
internal sealed class KafkaPartitionState(string topic, int partition)
{
    public string Topic { get; } = topic;

    public int Partition { get; } = partition;

    /// <summary>The <c>source</c> tags seen: the Kafka sources (and repartition readers, <c>repartition:&lt;topic&gt;</c>) that read it.</summary>
    public SortedSet<string> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>The <c>group</c> tags seen.</summary>
    public SortedSet<string> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>Consumer lag at the last collection; null when no reader in this process owns the partition (or its position is not known yet).</summary>
    public long? Lag { get; set; }

    /// <summary>The offset last committed by the owner in this process, at the last collection; null when not owned or not committed yet.</summary>
    public long? CommittedOffset { get; set; }

    /// <summary>Records read since this process started (the observable counter is cumulative); null before the first record.</summary>
    public long? RecordsRead { get; set; }

    /// <summary>Records read per second between the last two collections.</summary>
    public double? RecordsPerSecond { get; set; }

    /// <summary>When <see cref="RecordsRead"/> was last collected, with its value then: the base of the next rate.</summary>
    public (DateTimeOffset At, long Read)? PreviousRead { get; set; }

    /// <summary>Assignments of the partition to a reader of this process, since the dashboard started listening.</summary>
    public long Assigned { get; set; }

    /// <summary>Revocations (and losses) since the dashboard started listening.</summary>
    public long Revoked { get; set; }

    /// <summary>Records read past the last commit when the partition was taken from an instance: read again by its next owner.</summary>
    public long RecordsReadAgain { get; set; }

    /// <summary>Elements this process sent to the partition of a repartition topic, since the dashboard started listening.</summary>
    public long RecordsSent { get; set; }

    /// <summary>Elements read from this repartition partition and dropped as written twice.</summary>
    public long DuplicatesDropped { get; set; }

    /// <summary>Elements this process received from the partition of a repartition topic, since the dashboard started listening.</summary>
    public long RecordsReceived { get; set; }

    /// <summary>The last watermark lag measured for the partition of a repartition topic, in seconds.</summary>
    public double? WatermarkLagSeconds { get; set; }

    /// <summary>True when some measurement said the partition belongs to a repartition topic.</summary>
    public bool IsRepartition { get; set; }
}
