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
    /// <param name="keySerializer">Writes keys (their bytes choose the partition; equal keys must give equal bytes); null: JSON in a canonical form (a decimal without trailing zeros, an instant in UTC, a date and time without its kind, zero without a sign), so keys equal in .NET go to one partition.</param>
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
        var exchange = new KafkaRepartition<T, TKey>(key, options, serializer ?? StateSerializers.Json<T>(), keySerializer ?? RepartitionKeyJson.For<TKey>());
        return stream.Through(exchange).KeyBy(key);
    }

    /// <summary>
    /// Sends two streams through one repartition topic, each element to the partition of its key, and keys both
    /// streams that come back: use it before a join or co-group of the two when neither input topic is partitioned by
    /// the join key. Elements of both streams with equal keys land in the same partition of the one topic, which one
    /// instance reads, so they always meet — where two <see cref="Repartition{T, TKey}"/> calls would give each topic
    /// its own assignment of partitions to instances, and with several instances a key's elements from the two sides
    /// could reach different instances (the streaming executor warns about that shape). Event time and watermarks
    /// cross as with one stream.
    /// </summary>
    /// <typeparam name="TLeft">The first stream's element type.</typeparam>
    /// <typeparam name="TRight">The second stream's element type.</typeparam>
    /// <typeparam name="TKey">The key both streams are joined by.</typeparam>
    /// <param name="left">The first stream.</param>
    /// <param name="leftKey">The first stream's key.</param>
    /// <param name="right">The second stream, from the same builder.</param>
    /// <param name="rightKey">The second stream's key.</param>
    /// <param name="options">Topic, group and watermark settings; every one has a default when Kafka sources are upstream.</param>
    /// <param name="leftSerializer">Writes and reads the first stream's elements; null: JSON.</param>
    /// <param name="rightSerializer">Writes and reads the second stream's elements; null: JSON.</param>
    /// <param name="keySerializer">Writes keys (their bytes choose the partition; equal keys must give equal bytes); null: JSON in a canonical form (a decimal without trailing zeros, an instant in UTC, a date and time without its kind, zero without a sign), so keys equal in .NET go to one partition.</param>
    /// <returns>Both streams read back from the topic, keyed.</returns>
    /// <remarks>
    /// The two streams are one stream on the topic (each record says which side it is from). With a checkpoint
    /// storage the instances share, the state of the stage that joins them moves with the topic's partitions, as a
    /// window's does (each partition hand-over reaches the join once both of its inputs have delivered it). A record
    /// of an input topic read again after its partition moves (a rebalance while records flow, a crash) crosses the
    /// topic again and is dropped by the reader, as with one stream: both sides carry their origins across the union,
    /// each source's partitions numbered apart. When both streams are split from one source, a record could give an
    /// element to each side at one origin, so none is sent and the join is at-least-once around such moves.
    /// </remarks>
    public static (KeyedStream<TLeft, TKey> Left, KeyedStream<TRight, TKey> Right) Repartition<TLeft, TRight, TKey>(
        this DataStream<TLeft> left,
        Func<TLeft, TKey> leftKey,
        DataStream<TRight> right,
        Func<TRight, TKey> rightKey,
        KafkaRepartitionOptions? options = null,
        StateSerializer<TLeft>? leftSerializer = null,
        StateSerializer<TRight>? rightSerializer = null,
        StateSerializer<TKey>? keySerializer = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(leftKey);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(rightKey);
        options ??= new KafkaRepartitionOptions();
        options.Validate();
        var both = left.Select(x => Sided<TLeft, TRight>.OfLeft(x)).Union(right.Select(x => Sided<TLeft, TRight>.OfRight(x)));
        var exchange = new KafkaRepartition<Sided<TLeft, TRight>, TKey>(
            x => x.IsLeft ? leftKey(x.Left!) : rightKey(x.Right!),
            options,
            new SidedSerializer<TLeft, TRight>(leftSerializer ?? StateSerializers.Json<TLeft>(), rightSerializer ?? StateSerializers.Json<TRight>()),
            keySerializer ?? RepartitionKeyJson.For<TKey>());
        var exchanged = both.Through(exchange);
        return (
            exchanged.Where((in x) => x.IsLeft).Select((in x) => x.Left!).KeyBy(leftKey),
            exchanged.Where((in x) => !x.IsLeft).Select((in x) => x.Right!).KeyBy(rightKey));
    }
}
