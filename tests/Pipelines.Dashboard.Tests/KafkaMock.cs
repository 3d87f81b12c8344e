using Confluent.Kafka;
using Pipelines.Kafka;

namespace Pipelines.Dashboard.Tests;

/// <summary>
/// librdkafka's in-process mock cluster for the Kafka panel's tests (hosted by an admin client for as long as it
/// lives), and a pipeline that reads a topic keyed by payment id and counts per card and minute through a repartition
/// topic, with its state in a directory the instances share.
/// </summary>
internal sealed class KafkaMock : IDisposable
{
    public const int Partitions = 4;
    public static readonly DateTimeOffset T0 = new(2026, 4, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly IAdminClient _admin;

    private KafkaMock(IAdminClient admin, string bootstrapServers)
    {
        _admin = admin;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    /// <summary>The mock's group protocol waits session.timeout − 1 s for members: a short session settles groups in seconds.</summary>
    public static ConsumerConfig GroupConfig => new() { SessionTimeoutMs = 3000, HeartbeatIntervalMs = 300 };

    public static KafkaMock Start()
    {
        var config = new AdminClientConfig { BootstrapServers = "mock:0" };
        config.Set("test.mock.num.brokers", "1");
        var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var brokers = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers;
        return new KafkaMock(admin, string.Join(",", brokers.Select(b => $"{b.Host}:{b.Port}")));
    }

    /// <summary>Creates a topic (the mock creates it on first use, with <see cref="Partitions"/> partitions).</summary>
    public async Task CreateTopicAsync(string topic)
    {
        for (int attempt = 0; ; attempt++)
        {
            var found = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single();
            if (!found.Error.IsError && found.Partitions.Count > 0) return;
            if (attempt == 100) throw new InvalidOperationException($"Topic {topic} is not available: {found.Error.Reason}");
            await Task.Delay(50);
        }
    }

    /// <summary>Payments <paramref name="from"/> to <paramref name="to"/> − 1: key = payment id, value = card (7 cards), 5 s apart from <see cref="T0"/>.</summary>
    public async Task ProducePaymentsAsync(string topic, int from, int to)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = BootstrapServers, EnableIdempotence = true, LingerMs = 5 })
            .SetLogHandler((_, _) => { }).Build();
        var deliveries = Enumerable.Range(from, to - from).Select(i => producer.ProduceAsync(topic, new Message<string, string>
        {
            Key = $"p{i}",
            Value = $"card{i % 7}",
            Timestamp = new Timestamp(T0 + TimeSpan.FromSeconds(5 * i)),
        })).ToList();
        await Task.WhenAll(deliveries);
    }

    /// <summary>One instance of the payments-per-card pipeline named <paramref name="pipeline"/>; its Kafka source is called <paramref name="source"/>.</summary>
    public PipelineRun StartInstance(string pipeline, string source, string topic, string group, string state)
    {
        var payments = new KafkaSource<string, string>(new()
        {
            BootstrapServers = BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ConsumerConfig = GroupConfig,
            Name = source,
        });
        var p = new PipelineBuilder(pipeline);
        p.From(payments)
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)))
            .Select(r => r.Value)
            .Repartition(card => card, new KafkaRepartitionOptions
            {
                ConsumerConfig = GroupConfig,
                TopicCreationTimeout = TimeSpan.FromSeconds(1),
                ProducerIdleTimeout = TimeSpan.FromSeconds(6),
                WatermarkInterval = TimeSpan.FromMilliseconds(50),
            })
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Action<WindowResult<string, long>>(_ => { }, "counts"));
        return new StreamingExecutor(new StreamingOptions
        {
            Parallelism = 2,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            CheckpointInterval = TimeSpan.FromMilliseconds(300),
            CheckpointStorage = CheckpointStorage.Directory(state),
        }).Start(p.Build());
    }

    public void Dispose() => _admin.Dispose();
}
