using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// Settings of a repartition topic (<see cref="KafkaRepartitionExtensions.Repartition{T, TKey}"/>). Every setting
/// has a default taken from the Kafka source upstream, so a pipeline that reads Kafka needs none.
/// </summary>
public sealed class KafkaRepartitionOptions
{
    /// <summary>The brokers of the repartition topic; null: those of the Kafka source upstream.</summary>
    public string? BootstrapServers { get; init; }

    /// <summary>
    /// The consumer group that reads the repartition topic, the same in every instance; null:
    /// <c>&lt;source group&gt;-&lt;name&gt;</c> from the Kafka source upstream. Give it a group of its own: the
    /// instances split the topic's partitions among them, so each key is read by exactly one instance.
    /// </summary>
    public string? GroupId { get; init; }

    /// <summary>
    /// The operator's part of the default names; null: <c>exchange&lt;n&gt;</c>, n counting the pipeline's exchanges
    /// from 0 in the order they are defined (stable while the pipeline's definition keeps its order).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// The topic; null: <c>&lt;group of the Kafka source&gt;-&lt;pipeline name&gt;-&lt;name&gt;-repartition</c>,
    /// characters Kafka does not allow in topic names replaced by <c>-</c>. Created when missing.
    /// </summary>
    public string? Topic { get; init; }

    /// <summary>
    /// Partitions of the topic when this creates it; null: the largest partition count of the Kafka topics upstream.
    /// An existing topic keeps its count. The partition count is the most instances that can share the keyed work.
    /// </summary>
    public int? Partitions { get; init; }

    /// <summary>Replication factor of the topic when this creates it; -1 (the default): the broker's default.</summary>
    public short ReplicationFactor { get; init; } = -1;

    /// <summary>
    /// How long creating the topic may wait for the cluster's controller (default 10 s). Past it, or when the
    /// cluster refuses, the topic is used if the broker created it on first use (auto-create); otherwise the run fails.
    /// </summary>
    public TimeSpan TopicCreationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often, at most, an instance publishes its watermark to every partition of the topic (default 200 ms). Each
    /// instance also publishes it again every third of <see cref="ProducerIdleTimeout"/>, so readers know it is alive.
    /// </summary>
    public TimeSpan WatermarkInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a reader waits for an instance that stopped publishing its watermark (a crash, a lost connection)
    /// before that instance stops holding the watermark back (default 30 s); the same wait applies to a partition
    /// newly assigned, until its producers are known. An instance that stops by draining announces it and stops
    /// holding the watermark back at once.
    /// </summary>
    public TimeSpan ProducerIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// More consumer settings (timeouts, the assignment strategy); the reader sets the group and its offset handling
    /// itself. On the brokers of the Kafka source upstream, that source's connection settings (<c>security.*</c>,
    /// <c>sasl.*</c>, <c>ssl.*</c>) are used unless given here.
    /// </summary>
    public ConsumerConfig? ConsumerConfig { get; init; }

    /// <summary>
    /// More producer settings (linger, batching); idempotence, <c>acks=all</c> and the <c>murmur2</c> partitioner are
    /// always on. On the brokers of the Kafka source upstream, that source's connection settings (<c>security.*</c>,
    /// <c>sasl.*</c>, <c>ssl.*</c>) are used unless given here; the topic's creation uses the same.
    /// </summary>
    public ProducerConfig? ProducerConfig { get; init; }

    /// <summary>How long leaving the repartition group may take when the run ends (default 5 s); see <see cref="KafkaSourceOptions{TKey, TValue}.CloseTimeout"/>.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Receives the log of the repartition topic's producer and consumer; null: the Kafka source's logger upstream, else nothing.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The clock for watermark publication and producer idleness; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Called (on the reader's thread) after partitions of the repartition topic are assigned to this instance.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnPartitionsAssigned { get; init; }

    /// <summary>Called (on the reader's thread) when partitions of the repartition topic are revoked from this instance or lost.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnPartitionsRevoked { get; init; }

    internal void Validate()
    {
        if (Partitions is <= 0) throw new ArgumentOutOfRangeException(nameof(Partitions), Partitions, "A repartition topic needs at least one partition.");
        if (WatermarkInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(WatermarkInterval), WatermarkInterval, "The watermark interval must be positive.");
        if (ProducerIdleTimeout <= TimeSpan.Zero || ProducerIdleTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ProducerIdleTimeout), ProducerIdleTimeout, "The producer idle timeout must be positive and finite: a crashed instance would stall the watermark for ever.");
        }

        if (TopicCreationTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TopicCreationTimeout), TopicCreationTimeout, "The topic creation timeout must be positive.");
        if (CloseTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(CloseTimeout), CloseTimeout, "The close timeout must be positive.");
        if (Topic is not null) ArgumentException.ThrowIfNullOrWhiteSpace(Topic, nameof(Topic));
        if (Name is not null) ArgumentException.ThrowIfNullOrWhiteSpace(Name, nameof(Name));
    }
}
