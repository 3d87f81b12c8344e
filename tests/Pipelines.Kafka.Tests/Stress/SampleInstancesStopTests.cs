using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using KafkaFraudDetection;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Stress;

/// <summary>The samples' Kafka pipeline (fraud detection) scaled out to two instances of one group, stopped together as a deploy stops them.</summary>
public class SampleInstancesStopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);

    /// <summary>The drain, the source's commit timeout and close timeout (5 s each by default), and room for a loaded machine.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TheFraudPipelineAsTwoInstances_StoppedTogether_StopInTime_AndFindEveryPlantedBurst()
    {
        using var cluster = KafkaTestCluster.StartMock(brokers: 3);
        string transactionsTopic = KafkaTestCluster.UniqueName("transactions"), alertsTopic = KafkaTestCluster.UniqueName("alerts");
        string group = KafkaTestCluster.UniqueName("fraud");
        int partitions = await cluster.CreateTopicAsync(transactionsTopic);
        await cluster.CreateTopicAsync(alertsTopic);
        var (transactions, planted) = TransactionGenerator.Generate(ordinary: 3000, bursts: 6);

        var alerts = new ConcurrentQueue<FraudAlert>();
        var owned = new ConcurrentDictionary<string, int>();
        PipelineRun StartInstance(string name) =>
            new StreamingExecutor(new StreamingOptions { Parallelism = 2, CheckpointInterval = TimeSpan.FromSeconds(1) }).Start(FraudPipeline.Build(
                cluster.BootstrapServers,
                transactionsTopic,
                alertsTopic,
                group,
                alerts.Enqueue,
                cluster.GroupConsumerConfig,
                new TestOutputLogger(output, name),
                assigned => owned.AddOrUpdate(name, assigned.Count, (_, n) => n + assigned.Count)));
        var a = StartInstance("a");
        var b = StartInstance("b");
        await Eventually.True(() => owned.Count == 2, Deadline, "both instances to own a share of the partitions");

        await cluster.ProduceAsync(transactionsTopic, transactions.Select(t => new TestRecord(t.Card, JsonSerializer.Serialize(t, JsonSerializerOptions.Web))));
        await Eventually.True(() => a.ElementsRead + b.ElementsRead >= transactions.Count, Deadline, "every transaction to be read");

        var stops = new[] { a, b }.Select(async run =>
        {
            var clock = Stopwatch.StartNew();
            await run.StopAsync(drain: true).WaitAsync(StopBound);
            return clock.Elapsed;
        }).ToList();
        var took = await Task.WhenAll(stops);
        output.WriteLine($"stops took {string.Join(", ", took.Select(t => $"{t.TotalSeconds:0.0} s"))}; {partitions} partitions");

        (await a.Completion).ElementsRead.Should().BeGreaterThan(0);
        (await b.Completion).ElementsRead.Should().BeGreaterThan(0);
        alerts.Select(x => (x.Card, x.WindowStart)).Should().BeEquivalentTo(planted, "each planted burst is in one partition, read by one instance");
        var written = cluster.ReadAtLeast(alertsTopic, planted.Count, Deadline)
            .Select(r => JsonSerializer.Deserialize<FraudAlert>(r.Message.Value!, JsonSerializerOptions.Web)!)
            .Select(x => (x.Card, x.WindowStart));
        written.Should().BeEquivalentTo(planted, "the alerts reached the alerts topic before the offsets were committed");
    }
}
