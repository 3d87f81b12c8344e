using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// Settings of a <see cref="KafkaSink{T, TKey, TValue}"/>: where to connect, the topic, the serializers and the
/// delivery guarantee (<see cref="Guarantee"/>).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class KafkaSinkOptions<TKey, TValue>
{
    /// <summary>The brokers to connect to (<c>host:port[,host:port…]</c>).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topic to write to.</summary>
    public required string Topic { get; init; }

    /// <summary>
    /// Writes keys. Null: Confluent's built-in serializer for <c>string</c> (UTF-8), <c>byte[]</c>, <c>int</c>,
    /// <c>long</c>, <c>float</c>, <c>double</c> and <see cref="Null"/>; any other type needs one, e.g.
    /// <see cref="JsonSerde{T}"/> or your own <see cref="ISerializer{T}"/>.
    /// </summary>
    public ISerializer<TKey>? KeySerializer { get; init; }

    /// <summary>Writes values; the same defaults as <see cref="KeySerializer"/>.</summary>
    public ISerializer<TValue>? ValueSerializer { get; init; }

    /// <summary>
    /// More producer settings (security, <c>linger.ms</c>, <c>compression.type</c>, <c>delivery.timeout.ms</c>, …).
    /// The sink always sets <c>bootstrap.servers</c> from these options and turns on idempotence with
    /// <c>acks=all</c>; the partitioner defaults to <c>murmur2_random</c> (the Java client's), so records with
    /// the same key go to the same partition as from Kafka Streams. A delivery that still fails after the
    /// producer's retries (within <c>delivery.timeout.ms</c>) fails the run.
    /// </summary>
    public ProducerConfig? ProducerConfig { get; init; }

    /// <summary>The sink's name in errors, logs and metrics; <c>kafka:&lt;topic&gt;</c> when null.</summary>
    public string? Name { get; init; }

    /// <summary>Receives librdkafka's log and the producer's non-fatal errors; nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>
    /// <see cref="DeliveryGuarantee.AtLeastOnce"/> (the default) or <see cref="DeliveryGuarantee.ExactlyOnce"/>:
    /// a transactional producer whose transactions commit when the run's checkpoints are stored.
    /// </summary>
    /// <remarks>
    /// <para><b>Requires</b> <see cref="StreamingOptions.CheckpointStorage"/>: a run without one (or a bounded run)
    /// is refused at the sink's first write, naming the sink. A run whose <see cref="StreamingOptions.CheckpointInterval"/>
    /// is infinite, or not shorter than <see cref="TransactionTimeout"/>, is refused at start; one whose
    /// <see cref="TransactionTimeout"/> is shorter than (<see cref="StreamingOptions.TolerableCheckpointFailures"/> + 2)
    /// intervals starts with a warning (the broker may abort a transaction before its checkpoint commits it).</para>
    /// <para><b>Transactions.</b> The results written between two checkpoints form one transaction. When a checkpoint's
    /// barrier reaches the sink, the producer is flushed and its transaction stays open; the next results go to the
    /// next producer's transaction; once the checkpoint is stored, the first transaction commits. So each sink uses a
    /// fixed pool of transactional ids, <c>&lt;TransactionalIdPrefix&gt;-&lt;InstanceId&gt;-0</c>, <c>…-1</c>, …, used in
    /// turn: <see cref="StreamingOptions.TolerableCheckpointFailures"/> + 2 of them, since a checkpoint that could not be
    /// stored (a tolerated failure) keeps its transaction open until the next completed checkpoint commits it, before its
    /// own. Consumers must read with <c>isolation.level=read_committed</c> to see only committed results; results appear
    /// when their checkpoint completes.</para>
    /// <para><b>Restarts and zombies.</b> When a run starts, the sink initialises every id of its pool: Kafka aborts
    /// whatever transaction a previous run left open under them and fences that run's producers, so a zombie instance
    /// still writing under the same ids fails at its next write or commit. Do not lower
    /// <see cref="StreamingOptions.TolerableCheckpointFailures"/> between runs of a job while an older run may still be
    /// alive: the ids beyond the smaller pool are then neither fenced nor cleaned up (a transaction left open under
    /// them is aborted by the broker after the transaction timeout). librdkafka cannot take over another producer's
    /// transaction, so a transaction that was pre-committed but whose commit did not reach the broker before a crash is
    /// aborted too; the window is between the checkpoint being stored and its commit request.</para>
    /// <para><b>Failures.</b> Once a checkpoint is stored its transaction is committed even when the run is stopping or
    /// failing at that moment (bounded by <see cref="TransactionTimeout"/>); a commit that fails then is logged as an error
    /// naming the checkpoint whose results are lost, and fails the run. A fenced producer or a failed delivery fails the
    /// run; a run that fails or is cancelled aborts its open transactions, which belong only to checkpoints that were not
    /// stored. A drained stop waits for the checkpoint in flight (if any) to be stored and committed — or to fail, which
    /// fails the run and aborts its transaction. The drain then takes a final checkpoint, whose transaction carries the
    /// last results and the input offsets where the drain stopped the source, so a run restored afterwards from the
    /// storage writes nothing again; if that final checkpoint cannot be stored within
    /// <see cref="StreamingOptions.TolerableCheckpointFailures"/>, the completion commits the open transactions with the
    /// final offsets instead, and a run restored from the storage writes the results since its last checkpoint again.</para>
    /// </remarks>
    public DeliveryGuarantee Guarantee { get; init; } = DeliveryGuarantee.AtLeastOnce;

    /// <summary>
    /// With <see cref="DeliveryGuarantee.ExactlyOnce"/>: the start of the sink's transactional ids. It must be the
    /// same in every run of the job (a restart fences and cleans up after the previous run through it) and differ
    /// from every other job's and sink's writing to the same cluster. Null: the sink's <see cref="Name"/>
    /// (<c>kafka:&lt;topic&gt;</c> by default), so two jobs, or two exactly-once sinks of one pipeline, writing to the
    /// same topic must set it.
    /// </summary>
    public string? TransactionalIdPrefix { get; init; }

    /// <summary>
    /// With <see cref="DeliveryGuarantee.ExactlyOnce"/>: which instance of the job this is, part of the transactional
    /// ids. Default <c>"0"</c> (a sink has one worker per process). Several instances of one job running at once
    /// (the same pipeline in several processes sharing a consumer group) each need their own, stable across their
    /// restarts, e.g. <c>"1"</c>, <c>"2"</c> or a stable host name: two instances with the same id fence each other.
    /// </summary>
    public string InstanceId { get; init; } = "0";

    /// <summary>
    /// With <see cref="DeliveryGuarantee.ExactlyOnce"/>: librdkafka's <c>transaction.timeout.ms</c> (the broker aborts a
    /// transaction open longer; it must exceed the checkpoint interval plus the time a checkpoint takes — one more
    /// interval per tolerated checkpoint failure — and stay within the broker's <c>transaction.max.timeout.ms</c>), also
    /// the bound on each initialise, commit and abort call. A run refuses an interval that is not shorter, and warns
    /// when it is shorter than (<see cref="StreamingOptions.TolerableCheckpointFailures"/> + 2) × <see cref="StreamingOptions.CheckpointInterval"/>.
    /// Default 60 s.
    /// </summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// With <see cref="DeliveryGuarantee.ExactlyOnce"/>: the Kafka source of the same pipeline whose consumer offsets
    /// commit inside the sink's transactions (<c>SendOffsetsToTransaction</c> with the consumer's group metadata), so
    /// the group's committed offsets move exactly when the results derived from the records before them become
    /// visible. The source then commits no offsets itself. Null: the source commits its offsets after each
    /// checkpoint as usual (a restored run resumes from the checkpoint's positions either way). The source must be
    /// read by one run at a time.
    /// </summary>
    public IKafkaConsumerGroupSource? SendOffsetsOf { get; init; }

    internal bool IsExactlyOnce => Guarantee == DeliveryGuarantee.ExactlyOnce;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BootstrapServers);
        ArgumentException.ThrowIfNullOrWhiteSpace(Topic);
        if (!Enum.IsDefined(Guarantee)) throw new ArgumentOutOfRangeException(nameof(Guarantee), Guarantee, "Not a DeliveryGuarantee.");
        if (!IsExactlyOnce)
        {
            if (SendOffsetsOf is not null)
            {
                throw new ArgumentException("SendOffsetsOf commits the source's offsets in the sink's transactions; set Guarantee = DeliveryGuarantee.ExactlyOnce, or leave it null.", nameof(SendOffsetsOf));
            }

            return;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(InstanceId);
        if (TransactionalIdPrefix is not null) ArgumentException.ThrowIfNullOrWhiteSpace(TransactionalIdPrefix);
        if (TransactionTimeout <= TimeSpan.Zero || TransactionTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(TransactionTimeout), TransactionTimeout, "The transaction timeout must be positive.");
        }

        if (ProducerConfig?.TransactionalId is not null)
        {
            throw new ArgumentException("The sink sets transactional.id itself from TransactionalIdPrefix and InstanceId; remove it from ProducerConfig.", nameof(ProducerConfig));
        }
    }
}
