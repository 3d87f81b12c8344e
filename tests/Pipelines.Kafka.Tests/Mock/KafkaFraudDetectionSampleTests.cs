using System.Text.Json;
using Confluent.Kafka;
using KafkaFraudDetection;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The Kafka sample's scenario, as <c>dotnet run --project samples/KafkaFraudDetection</c> runs it, on its own mock
/// cluster: instance A alone, B joining while minutes are open (partitions and their state move), both drained.
/// </summary>
public sealed class KafkaFraudDetectionSampleTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "pipelines-fraud-sample-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_state)) Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task TwoInstances_SplitTheCards_MoveTheirState_AndAgreeWithABoundedRun()
    {
        using var cluster = Cluster.Connect(bootstrapServers: null);
        using var narration = new StringWriter();

        var result = await ScaleOutRun.RunAsync(cluster, _state, narration);
        output.WriteLine(narration.ToString());

        result.Problems.Should().BeEmpty("every card's minute and every alert equal a bounded run's");
        result.Succeeded.Should().BeTrue();
        result.Instances.Select(i => i.Name).Should().Equal("A", "B");
        result.Instances.Should().OnlyContain(i => i.Minutes > 0, "both instances aggregate cards");
        result.Instances[1].Restores.Should().BePositive("B restores the state of the partitions it takes over from A");
        result.InputReadAgain.Should().Be(0, "B joins while the input is quiet and A has committed what it read, so no payment is read twice");
        result.Instances.Should().OnlyContain(i => i.LateDropped == 0);
        result.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(90));
        narration.ToString().Should().Contain("[B] Operator").And.Contain("restored the state of partition");

        var (_, expectedAlerts) = await FraudPipeline.RunBoundedAsync(TransactionGenerator.Generate(ordinary: 3000, bursts: 6).Transactions);
        ReadAlerts(cluster.BootstrapServers, result.AlertsTopic, expectedAlerts.Count).Select(a => (a.Card, a.WindowStart))
            .Should().BeEquivalentTo(expectedAlerts.Select(a => (a.Card, a.WindowStart)), "the alerts reached the alerts topic before the instances committed and drained");
    }

    /// <summary>
    /// B joins while the second part of the feed is produced: input partitions move while records flow, so A's
    /// records past its last commit can be read again by B and cross the repartition topic twice. The readers drop the
    /// second copies, and every card's minute still equals a bounded run's.
    /// </summary>
    [Fact]
    public async Task BJoiningWhileThePaymentsFlow_StillAgreesWithABoundedRun()
    {
        using var cluster = Cluster.Connect(bootstrapServers: null);
        using var narration = new StringWriter();

        var result = await ScaleOutRun.RunAsync(cluster, _state, narration, joinWhileProducing: true);
        output.WriteLine(narration.ToString());

        result.Problems.Should().BeEmpty("every card's minute and every alert equal a bounded run's, payments read twice included");
        result.Instances.Should().OnlyContain(i => i.Minutes > 0, "both instances aggregate cards");
        result.Instances.Should().OnlyContain(i => i.LateDropped == 0);
        result.DuplicatesDropped.Should().BeLessThanOrEqualTo(result.InputReadAgain, "only a record read again can be written twice");
    }

    private static List<FraudAlert> ReadAlerts(string bootstrapServers, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var alerts = new List<FraudAlert>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (alerts.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record) alerts.Add(JsonSerializer.Deserialize<FraudAlert>(record.Message.Value, JsonSerializerOptions.Web)!);
        }

        // Anything more than expected is a duplicate or a false alert: give it a moment to show.
        var settle = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (DateTime.UtcNow < settle)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record) alerts.Add(JsonSerializer.Deserialize<FraudAlert>(record.Message.Value, JsonSerializerOptions.Web)!);
        }

        return alerts;
    }
}
