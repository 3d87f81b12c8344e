namespace Pipelines.Kafka;

/// <summary>Writes a stream to Kafka.</summary>
public static class KafkaStreamExtensions
{
    /// <summary>Sends every element of <paramref name="stream"/> to a Kafka topic; see <see cref="KafkaSink{T, TKey, TValue}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TKey">The record key type.</typeparam>
    /// <typeparam name="TValue">The record value type.</typeparam>
    /// <param name="stream">The stream.</param>
    /// <param name="options">Where to connect, the topic and the serializers.</param>
    /// <param name="key">The record key of an element (decides the partition).</param>
    /// <param name="value">The record value of an element.</param>
    /// <param name="timestamp">The record timestamp of an element; the producer's clock when null.</param>
    /// <param name="headers">Headers for an element's record; none when null.</param>
    public static void ToKafka<T, TKey, TValue>(
        this DataStream<T> stream,
        KafkaSinkOptions<TKey, TValue> options,
        Func<T, TKey> key,
        Func<T, TValue> value,
        Func<T, DateTimeOffset>? timestamp = null,
        Func<T, IEnumerable<KafkaHeader>>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.To(new KafkaSink<T, TKey, TValue>(options, key, value, timestamp, headers));
    }
}
