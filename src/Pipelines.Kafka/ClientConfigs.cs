using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>Builds the librdkafka configuration of each client from the user's options and the settings the package relies on.</summary>
internal static class ClientConfigs
{
    private static readonly string[] ConnectionPrefixes = ["security.", "sasl.", "ssl."];

    public static ConsumerConfig Consumer<TKey, TValue>(KafkaSourceOptions<TKey, TValue> options)
    {
        var config = new ConsumerConfig(Copy(options.ConsumerConfig))
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            AutoOffsetReset = options.AutoOffsetReset,

            // The source commits explicit offsets itself, and only for records whose results reached the sinks.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        config.PartitionAssignmentStrategy ??= PartitionAssignmentStrategy.CooperativeSticky;

        // The end of a partition tells the lag metric the position of a partition that has nothing to read.
        config.EnablePartitionEof ??= true;
        return config;
    }

    public static ProducerConfig DeadLetterProducer<TKey, TValue>(KafkaSourceOptions<TKey, TValue> options)
    {
        ProducerConfig config;
        if (options.DeadLetterProducerConfig is { } given)
        {
            config = new ProducerConfig(Copy(given));
        }
        else
        {
            config = new ProducerConfig(Copy(options.ConsumerConfig?.Where(kv => ConnectionPrefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal)))));
        }

        config.BootstrapServers ??= options.BootstrapServers;
        return config;
    }

    public static ProducerConfig Producer<TKey, TValue>(KafkaSinkOptions<TKey, TValue> options)
    {
        var config = new ProducerConfig(Copy(options.ProducerConfig))
        {
            BootstrapServers = options.BootstrapServers,

            // Nothing may be lost or duplicated by the producer's own retries.
            EnableIdempotence = true,
            Acks = Acks.All,
        };

        // The Java client's partitioner, so a key lands in the same partition as with Kafka Streams and other JVM producers.
        config.Partitioner ??= Partitioner.Murmur2Random;
        return config;
    }

    /// <summary>The producer of one of an exactly-once sink's transactional ids.</summary>
    public static ProducerConfig TransactionalProducer<TKey, TValue>(KafkaSinkOptions<TKey, TValue> options, string transactionalId)
    {
        var config = Producer(options);
        config.TransactionalId = transactionalId;
        config.TransactionTimeoutMs = (int)options.TransactionTimeout.TotalMilliseconds;
        return config;
    }

    /// <summary>The connection settings (<c>security.*</c>, <c>sasl.*</c>, <c>ssl.*</c>) of a client config: how to reach and authenticate to its brokers.</summary>
    public static Dictionary<string, string> Connection(IEnumerable<KeyValuePair<string, string>>? config) =>
        Copy(config?.Where(kv => ConnectionPrefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal))));

    /// <summary>
    /// A repartition topic's client config: the connection settings of the Kafka source upstream when the topic is on its
    /// brokers, then the user's own settings for the topic (which win).
    /// </summary>
    public static Dictionary<string, string> Repartition(IReadOnlyDictionary<string, string> upstreamConnection, IEnumerable<KeyValuePair<string, string>>? own)
    {
        var config = Copy(upstreamConnection);
        foreach (var (key, value) in own ?? []) config[key] = value;
        return config;
    }

    private static Dictionary<string, string> Copy(IEnumerable<KeyValuePair<string, string>>? config) =>
        config?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);
}
