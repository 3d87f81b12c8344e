namespace Pipelines.Kafka;

/// <summary>
/// An unbounded source that joins a Kafka consumer group and reads the partitions the group assigns to this
/// instance, as <see cref="KafkaRecord{TKey, TValue}"/>. Run the same pipeline in several processes with the same
/// <see cref="KafkaSourceOptions{TKey, TValue}.GroupId"/> and they share the topics' partitions, like Kafka Streams
/// application instances; keyed state then lives with the instance that owns the key's partition.
/// </summary>
/// <remarks>
/// <para><b>Offsets (at-least-once).</b> The source commits the offset after the last record it handed to the
/// pipeline, for every partition it owns, only when the run ends normally — the streaming run was stopped with
/// draining (<see cref="PipelineRun.StopAsync"/>) — after every window has fired and every sink has completed
/// (<see cref="SourceReader{T}.CommitAsync"/>). A partition revoked while the run goes on is not committed,
/// because results derived from its records may still be in open windows; its next owner reads again from the
/// last commit. A failed, cancelled or crashed run commits nothing. So nothing is lost, and anything read since the
/// last commit may be processed twice.</para>
/// <para><b>Rebalancing.</b> Partitions newly assigned to this instance start at the group's committed offset
/// (or <see cref="KafkaSourceOptions{TKey, TValue}.AutoOffsetReset"/>); with the default cooperative-sticky
/// assignment, partitions that stay are not interrupted.</para>
/// <para><b>Watermarks.</b> Use <see cref="KafkaWatermarks.PerPartition"/> for one watermark per partition.</para>
/// </remarks>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class KafkaSource<TKey, TValue> : Source<KafkaRecord<TKey, TValue>>
{
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

    /// <summary>Always false: a topic has no end.</summary>
    public override bool IsBounded => false;

    /// <summary>Records skipped because they could not be deserialized (<see cref="ErrorPolicy.Skip"/>), over every run of this source.</summary>
    public long RecordsSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Records copied to the dead-letter topic because they could not be deserialized (<see cref="ErrorPolicy.DeadLetter"/>), over every run of this source.</summary>
    public long RecordsDeadLettered => Interlocked.Read(ref _deadLettered);

    /// <inheritdoc />
    public override ValueTask<SourceReader<KafkaRecord<TKey, TValue>>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(new KafkaSourceReader<TKey, TValue>(this));
    }

    internal void CountSkipped() => Interlocked.Increment(ref _skipped);

    internal void CountDeadLettered() => Interlocked.Increment(ref _deadLettered);
}
