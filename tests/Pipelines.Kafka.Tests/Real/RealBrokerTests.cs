using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Real;

/// <summary>Against a real cluster: runs when <c>KAFKA_BOOTSTRAP_SERVERS</c> is set, reported as skipped otherwise.</summary>
public class RealBrokerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [KafkaFact]
    public async Task RoundTrip_CheckpointCommits_AndCommitOnDrain_AgainstARealCluster()
    {
        using var cluster = KafkaTestCluster.Connect(Environment.GetEnvironmentVariable(KafkaTestCluster.EnvironmentVariable)!);
        string input = KafkaTestCluster.UniqueName("pipelines-it-in"), output = KafkaTestCluster.UniqueName("pipelines-it-out"), group = KafkaTestCluster.UniqueName("pipelines-it");
        await cluster.CreateTopicAsync(input, partitions: 3);
        await cluster.CreateTopicAsync(output, partitions: 3);
        var records = Enumerable.Range(0, 100).Select(i => new TestRecord($"k{i % 7}", $"v{i}")).ToList();
        await cluster.ProduceAsync(input, records);

        var p = new PipelineBuilder();
        p.From(new KafkaSource<string, string>(new() { BootstrapServers = cluster.BootstrapServers, GroupId = group, Topics = [input] }))
            .Select(r => (r.Key, Value: r.Value.ToUpperInvariant()))
            .ToKafka(new KafkaSinkOptions<string, string> { BootstrapServers = cluster.BootstrapServers, Topic = output }, x => x.Key, x => x.Value);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromMilliseconds(200) }).Start(p.Build());
        var written = await Task.Run(() => cluster.ReadAtLeast(output, records.Count, Deadline));
        await Eventually.True(
            () => cluster.CommittedOffsets(group, input).OrderBy(o => o.Key).SequenceEqual(cluster.EndOffsets(input).OrderBy(o => o.Key)),
            Deadline,
            "a checkpoint to commit every offset while the run goes on");
        run.Completion.IsCompleted.Should().BeFalse();
        await run.StopAsync().WaitAsync(Deadline);

        written.Select(r => r.Message.Value).Should().BeEquivalentTo(records.Select(r => r.Value!.ToUpperInvariant()));
        cluster.CommittedOffsets(group, input).Should().BeEquivalentTo(cluster.EndOffsets(input));
    }
}
