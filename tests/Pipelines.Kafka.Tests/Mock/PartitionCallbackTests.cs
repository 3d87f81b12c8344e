using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>The user's partition callbacks run inside librdkafka's rebalance callback: one that throws is logged, and the source goes on.</summary>
public class PartitionCallbackTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task CallbacksThatThrow_AreLogged_AndTheRunReadsEveryRecord_DrainsAndCommits()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.ProduceAsync(input, Enumerable.Range(0, 60).Select(i => new TestRecord($"k{i % 7}", $"v{i}")));
        var log = new ConcurrentQueue<string>();
        int assigned = 0, revoked = 0;
        var seen = new ConcurrentQueue<string>();
        var p = new PipelineBuilder();
        p.From(new KafkaSource<string, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [input],
            ConsumerConfig = cluster.GroupConsumerConfig,
            Logger = new MemoryLogger("source", log),
            OnPartitionsAssigned = _ =>
            {
                Interlocked.Increment(ref assigned);
                throw new InvalidOperationException("assignment bookkeeping failed");
            },
            OnPartitionsRevoked = _ =>
            {
                Interlocked.Increment(ref revoked);
                throw new InvalidOperationException("revocation bookkeeping failed");
            },
        })).Select(r => r.Value).To(Sinks.Action<string>(seen.Enqueue));
        var run = new StreamingExecutor().Start(p.Build());

        await Eventually.True(() => seen.Count == 60, Deadline, "every record read");
        await run.StopAsync(drain: true).WaitAsync(Deadline);

        seen.Should().BeEquivalentTo(Enumerable.Range(0, 60).Select(i => $"v{i}"));
        assigned.Should().BeGreaterThan(0);
        revoked.Should().BeGreaterThan(0, "leaving the group revokes the partitions");
        cluster.CommittedOffsets(group, input).Should().BeEquivalentTo(cluster.EndOffsets(input), "the drain committed everything read");
        log.Should().Contain(l => l.Contains("the OnPartitionsAssigned callback failed") && l.Contains("assignment bookkeeping failed"));
        log.Should().Contain(l => l.Contains("the OnPartitionsRevoked callback failed") && l.Contains("revocation bookkeeping failed"));
    }
}
