namespace Pipelines.Kafka;

/// <summary>
/// Writes results to a Kafka topic with an idempotent producer (<c>acks=all</c>): each result becomes one record
/// whose key (which decides the partition) and value come from your selectors. Writes are asynchronous; the run
/// waits for every delivery when it completes (the producer is flushed), and a delivery that fails — after the
/// producer's own retries — fails the run with a <see cref="PipelineExecutionException"/> naming the sink and the
/// topic. A selector or serializer that throws for one result is a user-function failure: the pipeline's
/// <see cref="ErrorPolicy"/> decides (fail, skip or dead-letter that result). At-least-once by default; with
/// <see cref="KafkaSinkOptions{TKey, TValue}.Guarantee"/> = <see cref="DeliveryGuarantee.ExactlyOnce"/> and a
/// <see cref="StreamingOptions.CheckpointStorage"/>, the results of each checkpoint form one Kafka transaction,
/// committed when the checkpoint is stored.
/// </summary>
/// <typeparam name="T">The results' type.</typeparam>
/// <typeparam name="TKey">The record key type.</typeparam>
/// <typeparam name="TValue">The record value type.</typeparam>
public sealed class KafkaSink<T, TKey, TValue> : Sink<T>
{
    private readonly Func<T, TKey> _key;
    private readonly Func<T, TValue> _value;
    private readonly Func<T, DateTimeOffset>? _timestamp;
    private readonly Func<T, IEnumerable<KafkaHeader>>? _headers;

    /// <summary>Creates the sink; nothing connects until a run opens it.</summary>
    /// <param name="options">Where to connect, the topic and the serializers.</param>
    /// <param name="key">The record key of a result: results with equal keys go to the same partition, in order.</param>
    /// <param name="value">The record value of a result.</param>
    /// <param name="timestamp">The record timestamp of a result (e.g. a window's end); the producer's clock when null.</param>
    /// <param name="headers">Headers for a result's record; none when null.</param>
    /// <exception cref="ArgumentException">A required option is missing, or a type has no default serializer.</exception>
    public KafkaSink(
        KafkaSinkOptions<TKey, TValue> options,
        Func<T, TKey> key,
        Func<T, TValue> value,
        Func<T, DateTimeOffset>? timestamp = null,
        Func<T, IEnumerable<KafkaHeader>>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        options.Validate();
        DefaultSerdes.EnsureSerializer(options.KeySerializer, nameof(options.KeySerializer));
        DefaultSerdes.EnsureSerializer(options.ValueSerializer, nameof(options.ValueSerializer));
        Options = options;
        Name = options.Name ?? $"kafka:{options.Topic}";
        _key = key;
        _value = value;
        _timestamp = timestamp;
        _headers = headers;
    }

    /// <summary>The sink's settings.</summary>
    public KafkaSinkOptions<TKey, TValue> Options { get; }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(new KafkaSinkWriter<T, TKey, TValue>(Options, Name, _key, _value, _timestamp, _headers));
    }
}
