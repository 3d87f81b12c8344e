using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace KafkaFraudDetection;

/// <summary>
/// The Kafka cluster the sample talks to: a real one given by <c>--bootstrap-servers</c>, or librdkafka's
/// in-process mock cluster, which a client configured with <c>test.mock.num.brokers</c> hosts for as long as it
/// lives (its metadata tells the other clients where to connect).
/// </summary>
public sealed class Cluster : IDisposable
{
    private readonly IAdminClient _admin;

    private Cluster(IAdminClient admin, string bootstrapServers, bool isMock)
    {
        _admin = admin;
        BootstrapServers = bootstrapServers;
        IsMock = isMock;
    }

    public string BootstrapServers { get; }

    public bool IsMock { get; }

    public static Cluster Connect(string? bootstrapServers)
    {
        if (bootstrapServers is not null)
        {
            return new Cluster(new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build(), bootstrapServers, isMock: false);
        }

        var config = new AdminClientConfig { BootstrapServers = "mock:0" };
        config.Set("test.mock.num.brokers", "3");
        var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var brokers = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers;
        return new Cluster(admin, string.Join(",", brokers.Select(b => $"{b.Host}:{b.Port}")), isMock: true);
    }

    /// <summary>Creates a topic (the mock creates it on first use, with 4 partitions) and returns its partition count.</summary>
    public async Task<int> CreateTopicAsync(string topic, int partitions)
    {
        if (!IsMock)
        {
            try
            {
                await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }]);
            }
            catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
                // Already there.
            }
        }

        for (int attempt = 0; ; attempt++)
        {
            var found = _admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single();
            if (!found.Error.IsError && found.Partitions.Count > 0) return found.Partitions.Count;
            if (attempt == 100) throw new InvalidOperationException($"Topic {topic} is not available: {found.Error.Reason}");
            await Task.Delay(100);
        }
    }

    public void Dispose() => _admin.Dispose();
}
