using System.Collections.Concurrent;
using System.Text.Json;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>The Kafka source opened at a <see cref="KafkaPosition"/> (restored from JSON) instead of the group's committed offsets.</summary>
public class ResumeFromPositionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ResumeFrom_StartsEachPartitionOfThePositionAtItsOffset_AndTheOthersWhereTheGroupIs()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("events"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        await cluster.ProduceAsync(topic, Enumerable.Range(0, partitions).SelectMany(p => Enumerable.Range(0, 10).Select(i => new TestRecord("k", $"{p}:{i}", Partition: p))));

        // As a checkpoint store would keep it: JSON, written by one process and read by another.
        string saved = JsonSerializer.Serialize(new KafkaPosition([new KafkaPartitionPosition(topic, 0, 6, Epoch: 3), new KafkaPartitionPosition(topic, 1, 10)]));
        var position = JsonSerializer.Deserialize<KafkaPosition>(saved)!;
        var source = new KafkaSource<string, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ConsumerConfig = cluster.GroupConsumerConfig,
        });
        var seen = new ConcurrentQueue<string>();
        var p = new PipelineBuilder();
        p.From(source.ResumeFrom(position)).Select(r => r.Value!).To(Sinks.Action<string>(seen.Enqueue));
        var run = new StreamingExecutor().Start(p.Build());

        int expected = 4 + 0 + (partitions - 2) * 10;
        await Eventually.True(() => seen.Count >= expected, Deadline, () => $"{expected} records (have {seen.Count})");
        await run.StopAsync().WaitAsync(Deadline);

        seen.Should().BeEquivalentTo(
            Enumerable.Range(6, 4).Select(i => $"0:{i}").Concat(Enumerable.Range(2, partitions - 2).SelectMany(q => Enumerable.Range(0, 10).Select(i => $"{q}:{i}"))),
            "partition 0 starts at offset 6, partition 1 at its end, the others at the beginning (no committed offset)");
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic), "the drain commits every partition, the restored ones included");
    }
}
