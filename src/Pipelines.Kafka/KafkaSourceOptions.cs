using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// Settings of a <see cref="KafkaSource{TKey, TValue}"/>: where to connect, which consumer group to join, which
/// topics to subscribe to, how to deserialize, and what to do with records that cannot be deserialized.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class KafkaSourceOptions<TKey, TValue>
{
    /// <summary>The brokers to connect to (<c>host:port[,host:port…]</c>).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>
    /// The consumer group. Every pipeline instance (process) with the same group id shares the topics' partitions:
    /// Kafka assigns each partition to exactly one instance, and moves partitions when instances join or leave.
    /// </summary>
    public required string GroupId { get; init; }

    /// <summary>The topics to subscribe to (at least one).</summary>
    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary>
    /// Reads keys. Null: Confluent's built-in deserializer for <c>string</c> (UTF-8), <c>byte[]</c>, <c>int</c>,
    /// <c>long</c>, <c>float</c>, <c>double</c>, <see cref="Null"/> and <see cref="Ignore"/>; any other type needs
    /// one, e.g. <see cref="JsonSerde{T}"/> or your own <see cref="IDeserializer{T}"/>.
    /// </summary>
    public IDeserializer<TKey>? KeyDeserializer { get; init; }

    /// <summary>Reads values; the same defaults as <see cref="KeyDeserializer"/>.</summary>
    public IDeserializer<TValue>? ValueDeserializer { get; init; }

    /// <summary>
    /// What happens to a record whose key or value cannot be deserialized; null (the default): the policy of the
    /// source's stream (<c>p.From(source).OnError(...)</c>) or of the pipeline (<see cref="PipelineBuilder.OnError"/>),
    /// whose default is <see cref="ErrorPolicy.Fail"/>. A stream's <c>OnError</c> overrides this. The record goes to
    /// the run like every connector's bad records (<see cref="SourceContext.ReportBadRecord"/>), as a
    /// <see cref="MalformedKafkaRecord"/> with a <see cref="KafkaDeserializationException"/> naming topic, partition
    /// and offset: <see cref="ErrorPolicy.Fail"/> fails the run; <see cref="ErrorPolicy.Skip"/> skips it, logs a
    /// warning and counts it (<see cref="RunSummary.ElementsSkipped"/>, <see cref="KafkaSource{TKey, TValue}.RecordsSkipped"/>);
    /// <see cref="ErrorPolicy.DeadLetter"/> sends it to the pipeline's dead-letter sink
    /// (<see cref="PipelineBuilder.WithDeadLetterSink"/>, required as for any operator under that policy), copies its
    /// raw bytes to <see cref="DeadLetterTopic"/> when one is set, and counts it (<see cref="RunSummary.ElementsDeadLettered"/>).
    /// Skipped and dead-lettered records count as handled: their offsets are committed with the others.
    /// </summary>
    public ErrorPolicy? OnDeserializationError { get; init; }

    /// <summary>
    /// A topic that receives a byte-for-byte copy of every record dead-lettered because it could not be deserialized
    /// (under <see cref="ErrorPolicy.DeadLetter"/>), with the record's own headers and <see cref="KafkaDeadLetterHeaders"/>
    /// saying where it came from and why. A record's offset is committed only once its copy is durable. Null: dead
    /// letters go to the pipeline's dead-letter sink only.
    /// </summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>
    /// Where a partition starts when its group has no committed offset for it: <see cref="AutoOffsetReset.Earliest"/>
    /// (the default, like Kafka Streams: a new pipeline processes the topic's history) or
    /// <see cref="AutoOffsetReset.Latest"/>.
    /// </summary>
    public AutoOffsetReset AutoOffsetReset { get; init; } = AutoOffsetReset.Earliest;

    /// <summary>
    /// More consumer settings (security, timeouts, <c>client.id</c>, …). The source always sets
    /// <c>bootstrap.servers</c>, <c>group.id</c> and <c>auto.offset.reset</c> from these options and turns
    /// <c>enable.auto.commit</c> and <c>enable.auto.offset.store</c> off, because it commits itself. The assignment
    /// strategy defaults to <c>cooperative-sticky</c>, so a rebalance moves only the partitions that change owner.
    /// </summary>
    public ConsumerConfig? ConsumerConfig { get; init; }

    /// <summary>
    /// Settings of the producer that writes to <see cref="DeadLetterTopic"/>. Null: <see cref="BootstrapServers"/>
    /// plus the <c>security.*</c>, <c>sasl.*</c> and <c>ssl.*</c> settings of <see cref="ConsumerConfig"/>.
    /// Idempotence and <c>acks=all</c> are always on.
    /// </summary>
    public ProducerConfig? DeadLetterProducerConfig { get; init; }

    /// <summary>
    /// The longest a single blocking poll of the consumer may take while the pipeline waits for records (default
    /// 50 ms): the wait is a loop of such polls that checks the cancellation token between them.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long the commit after a drain may wait for the group (default 5 s). A rebalance holds commits back until it
    /// completes, and a commit refused because the group moved to a new generation is retried for the partitions
    /// this instance still owns; what is not committed by then is left to the partitions' next owner, which reads
    /// those records again (at-least-once), and a warning is logged. The same bound applies to the commit in the
    /// revocation handler while the run goes on.
    /// </summary>
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long leaving the consumer group may take when the run ends (default 5 s): the source unsubscribes, lets
    /// the revocation handler commit (see <see cref="KafkaSource{TKey, TValue}"/>), hands back any partition
    /// assigned meanwhile, and closes the consumer once no assignment change is in progress. So
    /// <see cref="PipelineRun.StopAsync"/> returns at most <see cref="CommitTimeout"/> + <see cref="CloseTimeout"/>
    /// after the drain. When the group does not let go in time (a rebalance in progress, an unreachable
    /// coordinator), a warning is logged, the run ends anyway, and the consumer finishes leaving and closes in the
    /// background; its uncommitted records are read again by their next owner.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Set when the topic is partitioned by the key every keyed stage after this source groups by (the message key,
    /// written with Kafka's default partitioner): the instances of the group then split the keyed work correctly
    /// without a repartition topic, and the run does not warn about it. Default false: a keyed stage on this
    /// source without <c>Repartition</c> logs a warning at start (several instances would each compute partial
    /// results for the same key).
    /// </summary>
    public bool PartitionedByKey { get; init; }

    /// <summary>The source's name in errors, logs and metrics; <c>kafka:&lt;topics&gt;</c> when null.</summary>
    public string? Name { get; init; }

    /// <summary>Receives the source's log (assignments, revocations, commits, skipped and dead-lettered records) and librdkafka's; nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Called (on the source's thread) after partitions are assigned to this instance, with the newly assigned ones. An exception it throws is logged; the source goes on.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnPartitionsAssigned { get; init; }

    /// <summary>Called (on the source's thread) when partitions are revoked from this instance or lost, with those partitions. An exception it throws is logged; the source goes on.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnPartitionsRevoked { get; init; }

    /// <summary>
    /// Keyed state moves with the partitions (a repartition topic read by a stage whose state is stored per partition):
    /// every assigned partition starts at the group's committed offset, read from the group at assignment (a partition
    /// revoked and assigned again does not resume where this reader was), and <see cref="OnPartitionsStarting"/> hears where.
    /// </summary>
    internal bool StartAtCommittedOffsets { get; init; }

    /// <summary>With <see cref="StartAtCommittedOffsets"/>: the partitions assigned and the offsets they start at (unset: no commit, from the start).</summary>
    internal Action<IReadOnlyList<TopicPartitionOffset>>? OnPartitionsStarting { get; init; }

    /// <summary>Offsets the group accepted (a commit that landed), as they land.</summary>
    internal Action<IReadOnlyList<TopicPartitionOffset>>? OnCommitted { get; init; }

    /// <summary>
    /// Partitions are revoked while the group refuses the commit of the last completed checkpoint's offsets for them:
    /// those offsets (past the group's last commit) and the broker's reason.
    /// </summary>
    internal Action<IReadOnlyList<TopicPartitionOffset>, string>? OnReleasedUncommitted { get; init; }

    /// <summary>
    /// Partitions are about to be revoked (inside the rebalance handler, before what is committed for them is chosen):
    /// a reader whose results commit with its offsets waits here for the checkpoints in flight.
    /// </summary>
    internal Action<IReadOnlyList<TopicPartition>>? BeforePartitionsRevoked { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BootstrapServers);
        ArgumentException.ThrowIfNullOrWhiteSpace(GroupId);
        ArgumentNullException.ThrowIfNull(Topics);
        if (Topics.Count == 0 || Topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Subscribe to at least one topic, and name every topic.", nameof(Topics));
        }

        if (DeadLetterTopic is not null && string.IsNullOrWhiteSpace(DeadLetterTopic))
        {
            throw new ArgumentException("DeadLetterTopic is empty: name the topic that receives undeserializable records, or leave it null.", nameof(DeadLetterTopic));
        }

        if (OnDeserializationError is { } policy && !Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(OnDeserializationError), policy, "Unknown error policy.");
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "The poll interval must be more than zero and at most one second, so waits stay cancellable.");
        }

        if (CommitTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CommitTimeout), CommitTimeout, "The commit timeout must be zero or positive.");
        }

        if (CloseTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CloseTimeout), CloseTimeout, "The close timeout must be positive: leaving the group takes at least one poll.");
        }
    }
}
