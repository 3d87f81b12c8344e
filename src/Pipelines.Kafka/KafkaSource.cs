namespace Pipelines.Kafka;

/// <summary>
/// An unbounded source that joins a Kafka consumer group and reads the partitions the group assigns to this
/// instance, as <see cref="KafkaRecord{TKey, TValue}"/>. Run the same pipeline in several processes with the same
/// <see cref="KafkaSourceOptions{TKey, TValue}.GroupId"/> and they share the topics' partitions, like Kafka Streams
/// application instances; keyed state then lives with the instance that owns the key's partition.
/// </summary>
/// <remarks>
/// <para><b>Offsets (at-least-once).</b> An offset is committed only once every result derived from the records
/// before it has been handed to the sinks and the sinks have flushed. While the run goes on that happens at every
/// checkpoint (<see cref="StreamingOptions.CheckpointInterval"/>, default 5 s): the executor sends a barrier behind
/// the records read so far, windowed stages let it pass once the windows open at that moment have fired, and when
/// every sink has flushed it, the offsets the barrier followed are committed. A partition revoked while the run
/// goes on is committed up to the latest completed checkpoint; its next owner reads the records after it again.
/// When the run drains (<see cref="PipelineRun.StopAsync"/>) every owned partition is committed after every window
/// has fired and every sink has completed; a commit the group refuses because its generation changed is retried
/// for the partitions still owned, and what a rebalance holds back past
/// <see cref="KafkaSourceOptions{TKey, TValue}.CommitTimeout"/> is left to the next owner. A failed, cancelled or
/// crashed run commits nothing more. So nothing is lost, and anything read since the last commit may be processed
/// twice.</para>
/// <para><b>Stopping.</b> When the run ends the consumer leaves the group: it unsubscribes, the revocation handler
/// commits, partitions assigned meanwhile are handed back unread, and the consumer is closed once no assignment
/// change is in progress, within <see cref="KafkaSourceOptions{TKey, TValue}.CloseTimeout"/> (past it, a warning
/// is logged and it finishes closing in the background).</para>
/// <para><b>Rebalancing.</b> Partitions newly assigned to this instance start at the group's committed offset
/// (or <see cref="KafkaSourceOptions{TKey, TValue}.AutoOffsetReset"/>); with the default cooperative-sticky
/// assignment, partitions that stay are not interrupted.</para>
/// <para><b>Watermarks.</b> Use <see cref="KafkaWatermarks.PerPartition"/> for one watermark per partition.</para>
/// <para><b>Bad records.</b> A record whose key or value cannot be deserialized is reported to the run as a
/// <see cref="MalformedKafkaRecord"/> with a <see cref="KafkaDeserializationException"/>, under the source's error
/// policy (the source stream's <c>OnError</c>, else <see cref="KafkaSourceOptions{TKey, TValue}.OnDeserializationError"/>, else the pipeline's),
/// like every connector's bad records: it fails the run, or is skipped, or goes to the dead-letter sink, and is
/// counted in <see cref="RunSummary"/>. Under <see cref="ErrorPolicy.DeadLetter"/> it is also copied, bytes unchanged,
/// to <see cref="KafkaSourceOptions{TKey, TValue}.DeadLetterTopic"/> when that is set.</para>
/// <para><b>Positions.</b> The reader's position is a <see cref="KafkaPosition"/> (the next offset per partition),
/// captured at checkpoints; <see cref="Source{T, TPosition}.ResumeFrom"/> starts a run there instead of at the
/// group's committed offsets.</para>
/// <para><b>Exactly-once.</b> Name this source in an exactly-once sink's
/// <see cref="KafkaSinkOptions{TKey, TValue}.SendOffsetsOf"/> and its offsets commit inside that sink's transactions
/// instead (<c>SendOffsetsToTransaction</c>): the source then commits none itself, neither at checkpoints nor
/// after the drain nor when partitions are revoked.</para>
/// </remarks>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class KafkaSource<TKey, TValue> : Source<KafkaRecord<TKey, TValue>, KafkaPosition>, IKafkaConsumerGroupSource, IKafkaSourceSettings
{
    private readonly Lock _gate = new();
    private readonly List<KafkaSourceReader<TKey, TValue>> _open = [];
    private long _skipped;
    private long _deadLettered;

    /// <summary>Creates the source; nothing connects until a run opens it.</summary>
    /// <param name="options">Where to connect, the group, the topics and the deserializers.</param>
    /// <exception cref="ArgumentException">A required option is missing, or a type has no default deserializer.</exception>
    public KafkaSource(KafkaSourceOptions<TKey, TValue> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        DefaultSerdes.EnsureDeserializer(options.KeyDeserializer, nameof(options.KeyDeserializer));
        DefaultSerdes.EnsureDeserializer(options.ValueDeserializer, nameof(options.ValueDeserializer));
        Options = options;
        Name = options.Name ?? $"kafka:{string.Join(",", options.Topics)}";
    }

    /// <summary>The source's settings.</summary>
    public KafkaSourceOptions<TKey, TValue> Options { get; }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>
    /// True unless <see cref="KafkaSourceOptions{TKey, TValue}.PartitionedByKey"/> is set: the instances of a group
    /// split the topic by partition, so a keyed stage after this source, with no <c>Repartition</c> between, gets a
    /// warning when the run starts.
    /// </summary>
    public override bool SplitAcrossInstances => !Options.PartitionedByKey;

    /// <summary>Always false: a topic has no end.</summary>
    public override bool IsBounded => false;

    /// <summary><see cref="KafkaSourceOptions{TKey, TValue}.OnDeserializationError"/>: the policy for records that cannot be deserialized, unless the stream sets one with <c>OnError</c>.</summary>
    public override ErrorPolicy? BadRecordPolicy => Options.OnDeserializationError;

    /// <summary>
    /// Records skipped because they could not be deserialized (<see cref="ErrorPolicy.Skip"/>), over every run of
    /// this source; each run also counts them in <see cref="RunSummary.ElementsSkipped"/>.
    /// </summary>
    public long RecordsSkipped => Interlocked.Read(ref _skipped);

    /// <summary>
    /// Records dead-lettered because they could not be deserialized (<see cref="ErrorPolicy.DeadLetter"/>), over
    /// every run of this source; each run also counts them in <see cref="RunSummary.ElementsDeadLettered"/>.
    /// </summary>
    public long RecordsDeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>
    /// Opens a reader: a consumer that joins the group. With a <paramref name="position"/>, each partition in it
    /// starts at its offset the first time the group assigns it to this reader; the others start at the group's
    /// committed offset.
    /// </summary>
    /// <param name="context">Facts about the run; bad records are reported to it.</param>
    /// <param name="position">Where to start, or null for the group's committed offsets.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    public override ValueTask<SourceReader<KafkaRecord<TKey, TValue>, KafkaPosition>> OpenAsync(
        SourceContext context, KafkaPosition? position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        return new(new KafkaSourceReader<TKey, TValue>(this, context, position));
    }

    string IKafkaConsumerGroupSource.GroupId => Options.GroupId;

    IConsumerOffsets IKafkaConsumerGroupSource.OffsetsForTransactions(string sinkName)
    {
        KafkaSourceReader<TKey, TValue> reader;
        lock (_gate)
        {
            if (_open.Count != 1)
            {
                throw new InvalidOperationException(_open.Count == 0
                    ? $"Kafka sink '{sinkName}' sends the offsets of source '{Name}' to its transactions (SendOffsetsOf), but that source is not read in this run: name a source of the same pipeline."
                    : $"Kafka sink '{sinkName}' sends the offsets of source '{Name}' to its transactions (SendOffsetsOf), but {_open.Count} runs read that source object at once, so it cannot tell whose offsets are its own: give each run its own KafkaSource and sink.");
            }

            reader = _open[0];
        }

        reader.HandOffsetsToTransactions();
        return reader;
    }

    internal void ReaderOpened(KafkaSourceReader<TKey, TValue> reader)
    {
        lock (_gate) _open.Add(reader);
    }

    internal void ReaderClosed(KafkaSourceReader<TKey, TValue> reader)
    {
        lock (_gate) _open.Remove(reader);
    }

    string IKafkaSourceSettings.BootstrapServers => Options.BootstrapServers;

    string IKafkaSourceSettings.GroupId => Options.GroupId;

    IReadOnlyList<string> IKafkaSourceSettings.Topics => Options.Topics;

    Microsoft.Extensions.Logging.ILogger? IKafkaSourceSettings.Logger => Options.Logger;

    IReadOnlyDictionary<string, string> IKafkaSourceSettings.ConnectionSettings => ClientConfigs.Connection(Options.ConsumerConfig);

    internal void CountSkipped() => Interlocked.Increment(ref _skipped);

    internal void CountDeadLettered() => Interlocked.Increment(ref _deadLettered);
}
