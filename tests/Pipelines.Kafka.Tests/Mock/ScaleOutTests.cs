using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>Several pipeline instances in one consumer group, like Kafka Streams application instances.</summary>
public class ScaleOutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The mock's group coordinator is driven by timers (3 s before the first assignment, then session timeout − 1 s
    /// per rebalance round), so agreeing on a split can take a few rounds on a loaded machine.
    /// </summary>
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(25);

    private static List<TestRecord> Batch(int from, int count) =>
        Enumerable.Range(from, count).Select(i => new TestRecord($"key{i % 23}", $"v{i}")).ToList();

    private async Task<(GroupInstance A, GroupInstance B)> StartTwoAndWaitForTheSplit(
        KafkaTestCluster cluster, string topic, string group, int partitions, PartitionAssignmentStrategy? strategy = null)
    {
        var a = GroupInstance.Start(cluster, topic, group, "a", strategy, new TestOutputLogger(output, "a"));
        var b = GroupInstance.Start(cluster, topic, group, "b", strategy, new TestOutputLogger(output, "b"));
        await Eventually.True(
            () => a.Assignment.Owned.Length > 0 && b.Assignment.Owned.Length > 0
                && a.Assignment.Owned.Concat(b.Assignment.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions)),
            GroupDeadline,
            $"both instances to own a share of the {partitions} partitions ({a}; {b})");
        return (a, b);
    }

    [Fact]
    public async Task TwoInstancesInOneGroup_SplitThePartitions_KeyedStateStaysWithItsPartition_AndTogetherTheyProduceEveryResult()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("events"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var (a, b) = await StartTwoAndWaitForTheSplit(cluster, topic, group, partitions);
        int[] ownedByA = a.Assignment.Owned, ownedByB = b.Assignment.Owned;

        var input = Batch(0, 400);
        await cluster.ProduceAsync(topic, input);
        await Eventually.True(() => a.Processed.Count + b.Processed.Count >= input.Count, Deadline, "every record to be processed");
        await Task.WhenAll(a.Run.StopAsync(), b.Run.StopAsync()).WaitAsync(Deadline);

        a.Processed.Should().NotBeEmpty().And.OnlyContain(r => ownedByA.Contains(r.Partition));
        b.Processed.Should().NotBeEmpty().And.OnlyContain(r => ownedByB.Contains(r.Partition));
        a.Processed.Concat(b.Processed).Select(r => r.Value).Should().BeEquivalentTo(input.Select(r => r.Value), "together, each record exactly once");

        // Keyed state: each key's count was kept by exactly one instance, the one owning the key's partition.
        var counts = a.Counts.Concat(b.Counts).ToList();
        counts.GroupBy(c => c.Key).Should().OnlyContain(g => g.Count() == 1);
        counts.ToDictionary(c => c.Key, c => c.Value).Should().BeEquivalentTo(
            input.GroupBy(r => r.Key!).ToDictionary(g => g.Key, g => (long)g.Count()));
    }

    /// <remarks>
    /// Under the eager protocol (<c>range</c>) the rebalance revokes b's own partitions too and assigns them back:
    /// b resumes them where it was instead of re-reading from the (absent) commit, so nothing repeats either.
    /// </remarks>
    [Theory]
    [InlineData(PartitionAssignmentStrategy.CooperativeSticky)]
    [InlineData(PartitionAssignmentStrategy.Range)]
    public async Task InstanceStoppedMidRun_TheOtherTakesOverItsPartitionsFromItsCommit_AndNoInputIsLostOrRepeated(PartitionAssignmentStrategy strategy)
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("events"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var (a, b) = await StartTwoAndWaitForTheSplit(cluster, topic, group, partitions, strategy);
        using var metricsOfA = new PartitionMetricsProbe("a");

        var first = Batch(0, 200);
        await cluster.ProduceAsync(topic, first);
        await Eventually.True(() => a.Processed.Count + b.Processed.Count >= first.Count, Deadline, "the first batch to be processed");

        await a.Run.StopAsync(drain: true).WaitAsync(Deadline);
        await Eventually.True(() => b.Assignment.Owned.Length == partitions, GroupDeadline, $"b to take over every partition ({b})");
        var second = Batch(200, 200);
        await cluster.ProduceAsync(topic, second);
        await Eventually.True(() => a.Processed.Count + b.Processed.Count >= first.Count + second.Count, Deadline, "the second batch to be processed");
        await b.Run.StopAsync().WaitAsync(Deadline);

        a.Processed.Should().NotBeEmpty();
        a.Processed.Concat(b.Processed).Select(r => r.Value).Should().BeEquivalentTo(
            first.Concat(second).Select(r => r.Value),
            "a committed what it had read when it drained, so b resumed exactly there");
        metricsOfA.ReadAgain.Should().Be(0, "a drained instance leaves nothing for the next owner to read again");
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic));
    }

    [Fact]
    public async Task InstanceKilledWithoutDrain_TheOtherReReadsItsPartitionsFromTheLastCommit_AtLeastOnce()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("events"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var (a, b) = await StartTwoAndWaitForTheSplit(cluster, topic, group, partitions);
        using var metricsOfA = new PartitionMetricsProbe("a");

        var input = Batch(0, 200);
        await cluster.ProduceAsync(topic, input);
        await Eventually.True(() => a.Processed.Count + b.Processed.Count >= input.Count, Deadline, "the records to be processed");
        var processedByA = a.Processed.Select(r => r.Value).ToList();

        await a.Run.StopAsync(drain: false).WaitAsync(Deadline);
        cluster.CommittedOffsets(group, topic).Should().BeEmpty("a run that does not drain commits nothing");
        metricsOfA.ReadAgain.Should().Be(processedByA.Count, "a leaves with every record it read past its partitions' last commit (none), and says so");
        await Eventually.True(
            () => b.Assignment.Owned.Length == partitions && b.Processed.Count >= input.Count,
            GroupDeadline,
            $"b to take over and re-read a's partitions ({b})");
        await b.Run.StopAsync().WaitAsync(Deadline);

        processedByA.Should().NotBeEmpty();
        b.Processed.Select(r => r.Value).Should().BeEquivalentTo(input.Select(r => r.Value), "b read a's partitions again from the start: nothing lost");
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic));
    }
}
