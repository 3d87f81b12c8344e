using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>
/// A Kafka cluster for one test: librdkafka's in-process mock cluster (no server, nothing outside this process),
/// or a real cluster when <c>KAFKA_BOOTSTRAP_SERVERS</c> is set and the test asks for it. Topic and group names
/// are unique per test. Helpers produce, read back and inspect committed offsets.
/// </summary>
internal sealed class KafkaTestCluster : IDisposable
{
    public const string EnvironmentVariable = "KAFKA_BOOTSTRAP_SERVERS";

    /// <summary>The mock auto-creates topics with this many partitions.</summary>
    public const int MockPartitions = 4;

    private readonly IAdminClient _admin;

    private KafkaTestCluster(IAdminClient admin, string bootstrapServers, bool isMock)
    {
        _admin = admin;
        BootstrapServers = bootstrapServers;
        IsMock = isMock;
    }

    public string BootstrapServers { get; }

    public bool IsMock { get; }

    /// <summary>
    /// Starts a mock cluster: a client configured with <c>test.mock.num.brokers</c> hosts it for as long as it lives,
    /// and its metadata names the brokers' loopback addresses, which every other client then uses.
    /// </summary>
    public static KafkaTestCluster StartMock(int brokers = 1)
    {
        var config = new AdminClientConfig { BootstrapServers = "mock:0" };
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        string bootstrap = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
        return new KafkaTestCluster(admin, bootstrap, isMock: true);
    }

    public static KafkaTestCluster Connect(string bootstrapServers)
    {
        var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).SetLogHandler((_, _) => { }).Build();
        return new KafkaTestCluster(admin, bootstrapServers, isMock: false);
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>
    /// Settings that make the mock's group protocol quick: it waits session.timeout − 1 s for members to (re)join
    /// before it assigns; a real broker keeps its defaults.
    /// </summary>
    public ConsumerConfig? GroupConsumerConfig => IsMock
        ? new ConsumerConfig { SessionTimeoutMs = 3000, HeartbeatIntervalMs = 300 }
        : null;

    /// <summary>Creates a topic and returns its partition count (the mock always makes <see cref="MockPartitions"/>).</summary>
    public async Task<int> CreateTopicAsync(string topic, int partitions = MockPartitions)
    {
        if (!IsMock)
        {
            await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }]);
        }

        // A metadata request creates the topic on the mock (auto-create) and waits for it on a real cluster.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var metadata = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5));
            var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
            if (found is { Error.IsError: false } && found.Partitions.Count > 0) return found.Partitions.Count;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Topic {topic} was not created: {found?.Error}");
            await Task.Delay(50);
        }
    }

    /// <summary>Produces records (to a given partition when one is set) and waits until all are acknowledged.</summary>
    public async Task ProduceAsync(string topic, IEnumerable<TestRecord> records)
    {
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig
        {
            BootstrapServers = BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            Partitioner = Partitioner.Murmur2Random,
            LingerMs = 5,
        }).SetLogHandler((_, _) => { }).Build();
        var deliveries = new List<Task<DeliveryResult<string?, string?>>>();
        foreach (var record in records)
        {
            var message = new Message<string?, string?> { Key = record.Key, Value = record.Value };
            if (record.Timestamp is { } ts) message.Timestamp = new Timestamp(ts);
            deliveries.Add(record.Partition is { } p
                ? producer.ProduceAsync(new TopicPartition(topic, p), message)
                : producer.ProduceAsync(topic, message));
        }

        await Task.WhenAll(deliveries);
    }

    /// <summary>Reads a topic from the beginning (no group) until <paramref name="expected"/> records arrived; fails after <paramref name="timeout"/>.</summary>
    public List<ConsumeResult<string?, string?>> ReadAtLeast(string topic, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = UniqueName("reader"),
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        int partitions = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Count;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string?, string?>>();
        var deadline = DateTime.UtcNow + timeout;
        while (records.Count < expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Read {records.Count} of {expected} records from {topic} within {timeout}.");
            }

            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is not null) records.Add(record);
        }

        return records;
    }

    /// <summary>
    /// Reads a topic from the beginning (no group) to the end of every partition: for <c>read_committed</c> the last
    /// stable offset, so only committed transactions' records (on a real broker; the mock shows every record).
    /// Transaction markers take offsets but are not records, so this is how to count what was written.
    /// </summary>
    public List<ConsumeResult<string?, string?>> ReadToEnd(string topic, TimeSpan timeout, IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = UniqueName("reader"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            IsolationLevel = isolation,
        }).SetLogHandler((_, _) => { }).Build();
        int partitions = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Count;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string?, string?>>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow + timeout;
        while (ended.Count < partitions)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Read {records.Count} records from {topic}; {partitions - ended.Count} partitions did not reach their end within {timeout}.");
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null) continue;
            if (record.IsPartitionEOF) ended.Add(record.Partition.Value);
            else
            {
                ended.Remove(record.Partition.Value);
                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>The end offset (high watermark) of every partition of a topic that has records: what a group that read everything has committed.</summary>
    public Dictionary<int, long> EndOffsets(string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = UniqueName("probe") })
            .SetLogHandler((_, _) => { }).Build();
        int partitions = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Count;
        return Enumerable.Range(0, partitions)
            .Select(p => (Partition: p, End: consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value))
            .Where(x => x.End > 0)
            .ToDictionary(x => x.Partition, x => x.End);
    }

    /// <summary>The group's committed offset of every partition of a topic (absent: never committed).</summary>
    public Dictionary<int, long> CommittedOffsets(string group, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = group })
            .SetLogHandler((_, _) => { }).Build();
        int partitions = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Count;
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(5));
        return committed.Where(c => c.Offset.Value >= 0).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
    }

    public void Dispose() => _admin.Dispose();
}

/// <summary>A record to produce: string key and value, optional timestamp and partition.</summary>
internal sealed record TestRecord(string? Key, string? Value, DateTimeOffset? Timestamp = null, int? Partition = null);
