using System.Collections.Concurrent;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The per-partition instruments of the <c>Pipelines.Kafka</c> meter on the mock cluster: consumer lag, committed
/// offsets, records read, assignments, revocations and rebalance durations, for a Kafka source and for the reader
/// of a repartition topic.
/// </summary>
public class PartitionMetricsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>The mock's group coordinator needs a few rounds of its timers to agree on a split.</summary>
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(40);

    private sealed class Instance
    {
        public required string Name { get; init; }

        public required ReadBudget Budget { get; init; }

        public AssignmentProbe Assignment { get; } = new();

        public ConcurrentQueue<KafkaRecord<string, string>> Read { get; } = new();

        public PipelineRun Run { get; set; } = null!;

        /// <summary>The offset after the last record of each partition this instance handed to its sink.</summary>
        public Dictionary<int, long> Positions() =>
            Read.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Max(r => r.Offset) + 1);

        /// <summary>How many records of <paramref name="partition"/> this instance handed to its sink.</summary>
        public long Count(int partition) => Read.Count(r => r.Partition == partition);

        public override string ToString() =>
            $"{Name} owns [{string.Join(",", Assignment.Owned)}], read {Read.Count}, run {Run.Completion.Status}";
    }

    private Instance Start(KafkaTestCluster cluster, string topic, string group, string name, long allowed)
    {
        var instance = new Instance { Name = name, Budget = new ReadBudget(allowed) };
        var source = new KafkaSource<string, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ConsumerConfig = cluster.GroupConsumerConfig,
            Name = name,
            Logger = new TestOutputLogger(output, name),
            OnPartitionsAssigned = instance.Assignment.Assigned,
            OnPartitionsRevoked = instance.Assignment.Revoked,
        });
        var p = new PipelineBuilder(name);
        p.From(new GatedSource<KafkaRecord<string, string>, KafkaPosition>(source, instance.Budget))
            .To(Sinks.Action<KafkaRecord<string, string>>(instance.Read.Enqueue));
        instance.Run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromMilliseconds(200) }).Start(p.Build());
        return instance;
    }

    private static IEnumerable<TestRecord> To(int partition, int count) =>
        Enumerable.Range(0, count).Select(i => new TestRecord($"k{i}", $"p{partition}-{i}", Partition: partition));

    private static Dictionary<int, long> Expected(IEnumerable<int> partitions, Func<int, long> value) =>
        partitions.ToDictionary(p => p, value);

    [Fact]
    public async Task ConsumerLag_IsTheHighWatermarkMinusWhatWasRead_PerOwnedPartition_AndGoesWithARevokedPartition()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("events"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var all = Enumerable.Range(0, partitions).ToArray();
        // Source names unique to this test: the probes select measurements by the source tag, and other tests' sources
        // report on the same meter in this process.
        string nameA = KafkaTestCluster.UniqueName("a"), nameB = KafkaTestCluster.UniqueName("b");
        using var metricsA = new PartitionMetricsProbe(nameA);
        using var metricsB = new PartitionMetricsProbe(nameB);

        // Partition 3 stays empty at first: its position is known from its end, so its lag is 0, not missing.
        long[] produced = [10, 20, 5, 0];
        await cluster.ProduceAsync(topic, all.SelectMany(p => To(p, (int)produced[p])));
        var a = Start(cluster, topic, group, nameA, allowed: long.MaxValue / 2);
        await Eventually.True(
            () => a.Read.Count == 35 && PartitionMetricsProbe.Describe(metricsA.Lag()) == PartitionMetricsProbe.Describe(Expected(all, _ => 0)),
            GroupDeadline,
            () => $"a to read everything, with no lag in any partition ({a}; lag {PartitionMetricsProbe.Describe(metricsA.Lag())})");
        metricsA.Assigned.Should().Be(partitions);

        // Nothing more is read: the lag follows the high watermarks librdkafka keeps fetching meanwhile.
        a.Budget.Close();
        long[] more = [7, 3, 0, 4];
        await cluster.ProduceAsync(topic, all.SelectMany(p => To(p, (int)more[p]).Select(r => r with { Value = r.Value + "-more" })));
        for (int p = 0; p < partitions; p++) produced[p] += more[p];
        await Eventually.True(
            () => PartitionMetricsProbe.Describe(metricsA.Lag()) == PartitionMetricsProbe.Describe(Expected(all, p => more[p])),
            Deadline,
            () => $"the lag to be the records produced since ({PartitionMetricsProbe.Describe(Expected(all, p => more[p]))}), not {PartitionMetricsProbe.Describe(metricsA.Lag())}");

        // Read part of them: the lag is what each partition still has after the records handed out.
        a.Budget.Allow(5);
        await Eventually.True(() => a.Read.Count == 40, Deadline, () => $"a to read 5 more ({a})");
        var positions = a.Positions();
        var expected = Expected(all, p => produced[p] - positions.GetValueOrDefault(p));
        await Eventually.True(
            () => PartitionMetricsProbe.Describe(metricsA.Lag()) == PartitionMetricsProbe.Describe(expected),
            Deadline,
            () => $"the lag after reading part to be {PartitionMetricsProbe.Describe(expected)}, not {PartitionMetricsProbe.Describe(metricsA.Lag())}");
        expected.Values.Sum().Should().Be(9, "14 records were produced and 5 of them read");
        metricsA.Read().Should().BeEquivalentTo(Expected(all, a.Count), "every assigned partition counts its records, from 0");

        // b joins: a's revoked partitions leave its gauges, b reports them, and the rebalance took measurable time.
        int rebalancesBefore = metricsA.Rebalances.Length;
        a.Budget.Allow(long.MaxValue / 2);
        var b = Start(cluster, topic, group, nameB, allowed: long.MaxValue / 2);
        await Eventually.True(
            () => a.Assignment.Owned.Length > 0 && b.Assignment.Owned.Length > 0
                && metricsA.Lag().Keys.Order().SequenceEqual(a.Assignment.Owned) && metricsB.Lag().Keys.Order().SequenceEqual(b.Assignment.Owned)
                && a.Assignment.Owned.Concat(b.Assignment.Owned).Order().SequenceEqual(all)
                && metricsA.Lag().Values.Concat(metricsB.Lag().Values).All(lag => lag == 0),
            GroupDeadline,
            () => $"a and b to split the partitions and report no lag for exactly their own ({a}: lag {PartitionMetricsProbe.Describe(metricsA.Lag())}; {b}: lag {PartitionMetricsProbe.Describe(metricsB.Lag())})");
        metricsA.Revoked.Should().Be(b.Assignment.Owned.Length, "every partition b owns was revoked from a");
        metricsB.Assigned.Should().Be(b.Assignment.Owned.Length);
        metricsA.Rebalances.Length.Should().BeGreaterThan(rebalancesBefore, "a's revocation and reassignment is one rebalance");
        metricsA.Rebalances.Skip(rebalancesBefore).Should().OnlyContain(seconds => seconds >= 0 && seconds < GroupDeadline.TotalSeconds);

        // Checkpoints commit what each read: the committed offset of every owned partition reaches its end. (An
        // instance reports what it committed itself, so each partition gets records after the move.)
        await cluster.ProduceAsync(topic, all.SelectMany(p => To(p, 2).Select(r => r with { Value = r.Value + "-last" })));
        for (int p = 0; p < partitions; p++) produced[p] += 2;
        await Eventually.True(
            () => PartitionMetricsProbe.Describe(metricsA.Committed()) == PartitionMetricsProbe.Describe(Expected(a.Assignment.Owned, p => produced[p]))
                && PartitionMetricsProbe.Describe(metricsB.Committed()) == PartitionMetricsProbe.Describe(Expected(b.Assignment.Owned, p => produced[p])),
            Deadline,
            () => $"each instance's committed offsets to reach the ends of its partitions (a {PartitionMetricsProbe.Describe(metricsA.Committed())}, b {PartitionMetricsProbe.Describe(metricsB.Committed())})");

        int[] ownedByB = b.Assignment.Owned;
        // b leaves first, so it is never given a's partitions on the way out (a reader that takes partitions while it
        // stops hands them back unread and reports nothing of them: AssignedWhileStoppingTests; one that takes them
        // just before, reads them and so reports them).
        await b.Run.StopAsync().WaitAsync(Deadline);
        await a.Run.StopAsync().WaitAsync(Deadline);
        metricsA.Lag().Should().BeEmpty("a closed reader reports no partition");
        metricsB.Committed().Should().BeEmpty();
        metricsA.Read().Should().BeEquivalentTo(Expected(all, a.Count), "records read count every record handed out, revoked partitions included");
        metricsB.Read().Should().BeEquivalentTo(Expected(ownedByB, b.Count));
    }

    [Fact]
    public async Task TheRepartitionReader_ReportsLagCommittedOffsetsAndRecordsRead_PerPartitionOfTheRepartitionTopic()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        string exchange = $"{group}-{RepartitionInstance.PipelineName}-exchange0-repartition";
        using var metrics = new PartitionMetricsProbe($"repartition:{exchange}");
        var instance = RepartitionInstance.Start(cluster, topic, group, "a", new TestOutputLogger(output, "a"));

        var records = Enumerable.Range(0, 200).Select(RepartitionInstance.Record).ToList();
        await cluster.ProduceAsync(topic, records);
        await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions));
        var expected = await RepartitionInstance.BoundedTotals(records);
        await Eventually.True(() => instance.Results.Count >= expected.Count, Deadline, () => $"{expected.Count} totals ({instance})");

        // Watermark records keep arriving; caught up, the reader has read each of them by the time a collector looks.
        await Eventually.True(
            () => metrics.Lag() is var lag && lag.Count == partitions && lag.Values.All(l => l == 0)
                && metrics.Committed().Count == partitions,
            Deadline,
            () => $"no lag and a commit in each of the {partitions} repartition partitions (lag {PartitionMetricsProbe.Describe(metrics.Lag())}, committed {PartitionMetricsProbe.Describe(metrics.Committed())})");
        var read = metrics.Read();
        read.Keys.Order().Should().Equal(Enumerable.Range(0, partitions));
        read.Values.Sum().Should().BeGreaterThan(records.Count, "every payment crossed the topic, with watermark records between them");
        var ends = cluster.EndOffsets(exchange);
        metrics.Committed().Should().OnlyContain(c => c.Value > 0 && c.Value <= ends[c.Key]);
        metrics.Assigned.Should().Be(partitions);

        await instance.Run.StopAsync().WaitAsync(Deadline);
        metrics.Lag().Should().BeEmpty();
    }
}
