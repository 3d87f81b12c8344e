using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>The pieces the exactly-once sink tests share: a group source on the mock, the sink's options, input records.</summary>
internal static class ExactlyOnceSetup
{
    public static KafkaSource<string, string> Source(KafkaTestCluster cluster, string topic, string group, ILogger logger) => new(new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = group,
        Topics = [topic],
        ConsumerConfig = cluster.GroupConsumerConfig,
        Logger = logger,
    });

    public static KafkaSinkOptions<string, string> SinkOptions(KafkaTestCluster cluster, string topic, ILogger logger, IKafkaConsumerGroupSource? offsetsOf = null, TimeSpan? transactionTimeout = null) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        Topic = topic,
        Guarantee = DeliveryGuarantee.ExactlyOnce,
        TransactionalIdPrefix = "eos-" + topic,
        SendOffsetsOf = offsetsOf,
        TransactionTimeout = transactionTimeout ?? TimeSpan.FromSeconds(60),
        Logger = logger,
    };

    public static List<TestRecord> Records(int from, int count) => [.. Enumerable.Range(from, count).Select(i => new TestRecord($"k{i % 7}", $"v{i}"))];
}
