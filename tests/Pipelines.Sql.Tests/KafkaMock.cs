using Confluent.Kafka;

namespace Pipelines.Sql.Tests;

/// <summary>librdkafka's in-process mock cluster for one test (no server), with helpers to produce and read back.</summary>
internal sealed class KafkaMock : IDisposable
{
    private readonly IAdminClient _admin;

    public KafkaMock()
    {
        var config = new AdminClientConfig { BootstrapServers = "mock:0" };
        config.Set("test.mock.num.brokers", "1");
        _admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var metadata = _admin.GetMetadata(TimeSpan.FromSeconds(10));
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    public string BootstrapServers { get; }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Produces record values, in order, to partition 0 (one partition keeps event time in order).</summary>
    public async Task ProduceAsync(string topic, IEnumerable<string> values)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = BootstrapServers, EnableIdempotence = true, Acks = Acks.All })
            .SetLogHandler((_, _) => { }).Build();
        foreach (var value in values) await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = value });
    }

    /// <summary>Reads every partition of a topic from the beginning until <paramref name="expected"/> values arrived.</summary>
    public List<string> ReadAtLeast(string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = UniqueName("reader"), EnableAutoCommit = false })
            .SetLogHandler((_, _) => { }).Build();
        int partitions = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Count;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: { } message }) values.Add(message.Value);
        }
        return values;
    }

    public void Dispose() => _admin.Dispose();
}
