namespace Pipelines.Kafka;

/// <summary>Repartitions a stream by key through a Kafka topic, so that instances of a pipeline split keyed work by any key.</summary>
public static class KafkaRepartitionExtensions
{
    /// <summary>
    /// Sends every element through a repartition topic to the instance that owns its key, and keys the stream that
    /// comes back: use it before a window, join or process function whose key is not how the input topic is
    /// partitioned. Each instance writes the elements it reads, to the partition of their key (Kafka's <c>murmur2</c>
    /// over the serialized key), and reads the partitions the repartition consumer group assigns to it, so each key
    /// is aggregated by exactly one instance. Event time crosses with each element, and each instance publishes its
    /// watermark into every partition: a reader's watermark is the minimum over the instances writing to a
    /// partition, then over its partitions (see the README, "Scaling out").
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="stream">The stream, typically read from a Kafka source (whose brokers, group and partition count are the defaults).</param>
    /// <param name="key">The key the stage after the exchange groups by.</param>
    /// <param name="options">Topic, group and watermark settings; every one has a default when a Kafka source is upstream.</param>
    /// <param name="serializer">Writes and reads elements on the topic; null: <see cref="StateSerializers.Json{T}(System.Text.Json.JsonSerializerOptions?)"/>.</param>
    /// <param name="keySerializer">Writes keys (their bytes choose the partition; equal keys must give equal bytes); null: JSON.</param>
    /// <returns>The stream read back from the topic, keyed by <paramref name="key"/>.</returns>
    public static KeyedStream<T, TKey> Repartition<T, TKey>(
        this DataStream<T> stream,
        Func<T, TKey> key,
        KafkaRepartitionOptions? options = null,
        StateSerializer<T>? serializer = null,
        StateSerializer<TKey>? keySerializer = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        options ??= new KafkaRepartitionOptions();
        options.Validate();
        var exchange = new KafkaRepartition<T, TKey>(key, options, serializer ?? StateSerializers.Json<T>(), keySerializer ?? StateSerializers.Json<TKey>());
        return stream.Through(exchange).KeyBy(key);
    }
}
