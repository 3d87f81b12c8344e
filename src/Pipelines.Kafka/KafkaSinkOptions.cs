using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>Settings of a <see cref="KafkaSink{T, TKey, TValue}"/>: where to connect, the topic and the serializers.</summary>
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

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BootstrapServers);
        ArgumentException.ThrowIfNullOrWhiteSpace(Topic);
    }
}
