using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// A join of two topics by a key neither is partitioned by, run by several instances: <c>Repartition(left, right)</c>
/// sends both through one repartition topic, so a key's payments and refunds reach the same instance, and the
/// instances together give the pairs of one bounded run, each once. (With two <c>Repartition</c> calls instead, each
/// topic has its own assignment: with three instances here one instance joined partition 1 of the payments' topic
/// and another partition 1 of the refunds', and the run missed pairs.)
/// </summary>
public class CoPartitionedJoinTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(4);

    /// <summary>Payment i: message key = payment id, 7 cards, 5 s apart.</summary>
    private static TestRecord PaymentRecord(int i) => new($"p{i}", $"{i % 7}|{i + 1}", RepartitionInstance.Start0 + TimeSpan.FromSeconds(5 * i));

    /// <summary>Refund j: message key = refund id, 5 cards (so some cards never see one), 13 s apart.</summary>
    private static TestRecord RefundRecord(int j) => new($"r{j}", $"{j % 5}|{j + 1}", RepartitionInstance.Start0 + TimeSpan.FromSeconds(13 * j));

    private static DataStream<Payment> Read(DataStream<KafkaRecord<string, string>> records) => records
        .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(10), RepartitionInstance.PartitionIdleTimeout))
        .Where(r => r.Value != RepartitionInstance.End)
        .Select(r => RepartitionInstance.Parse(r.Key, r.Value));

    /// <summary>Every payment paired with every refund of its card in the same minute.</summary>
    private static DataStream<string> Pairs(KeyedStream<Payment, int> payments, KeyedStream<Payment, int> refunds) =>
        payments.Join(refunds, Windows.Tumbling(RepartitionInstance.WindowSize), (p, r) => $"{p.Card}:{p.Id}+{r.Id}");

    private static async Task<List<string>> BoundedPairs(List<TestRecord> payments, List<TestRecord> refunds)
    {
        var results = new List<string>();
        var p = new PipelineBuilder();
        DataStream<Payment> From(List<TestRecord> records) => p.From(Sources.Enumerable(records))
            .WithEventTime(r => r.Timestamp!.Value, Watermarks.Monotonic())
            .Select(r => RepartitionInstance.Parse(r.Key!, r.Value!));
        Pairs(From(payments).KeyBy(x => x.Card), From(refunds).KeyBy(x => x.Card)).To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());
        return results;
    }

    private sealed class Instance(string name)
    {
        public string Name { get; } = name;

        public AssignmentProbe Payments { get; } = new();

        public AssignmentProbe Refunds { get; } = new();

        public AssignmentProbe Exchange { get; } = new();

        public ConcurrentQueue<string> Pairs { get; } = new();

        public PipelineRun Run { get; set; } = null!;

        public override string ToString() =>
            $"{Name} reads payments [{string.Join(",", Payments.Owned)}] refunds [{string.Join(",", Refunds.Owned)}], joins [{string.Join(",", Exchange.Owned)}], {Pairs.Count} pairs, {Run.LateElementsDropped} late dropped, run {Run.Completion.Status}";
    }

    private Instance Start(KafkaTestCluster cluster, string payments, string refunds, string group, string name)
    {
        var instance = new Instance(name);
        var logger = new TestOutputLogger(output, name);
        KafkaSource<string, string> Source(string topic, string suffix, AssignmentProbe probe) => new(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = $"{group}-{suffix}",
            Topics = [topic],
            ConsumerConfig = cluster.GroupConsumerConfig,
            Name = $"{name}-{suffix}",
            Logger = logger,
            OnPartitionsAssigned = probe.Assigned,
            OnPartitionsRevoked = probe.Revoked,
        });
        var p = new PipelineBuilder("card-refunds");
        var (paid, refunded) = Read(p.From(Source(payments, "payments", instance.Payments))).Repartition(
            x => x.Card,
            Read(p.From(Source(refunds, "refunds", instance.Refunds))),
            x => x.Card,
            new KafkaRepartitionOptions
            {
                ConsumerConfig = cluster.GroupConsumerConfig,
                ProducerIdleTimeout = TimeSpan.FromSeconds(6),
                TopicCreationTimeout = TimeSpan.FromSeconds(1),
                WatermarkInterval = TimeSpan.FromMilliseconds(50),
                OnPartitionsAssigned = instance.Exchange.Assigned,
                OnPartitionsRevoked = instance.Exchange.Revoked,
            });
        Pairs(paid, refunded).To(Sinks.Action<string>(instance.Pairs.Enqueue));
        instance.Run = new StreamingExecutor(new StreamingOptions
        {
            Parallelism = 2,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            CheckpointInterval = TimeSpan.FromSeconds(1),
            Logger = logger,
        }).Start(p.Build());
        return instance;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Instances_JoiningTwoTopicsByAKeyNeitherIsPartitionedBy_GiveThePairsOfOneBoundedRun_EachOnce(int count)
    {
        using var cluster = KafkaTestCluster.StartMock();
        string payments = KafkaTestCluster.UniqueName("payments"), refunds = KafkaTestCluster.UniqueName("refunds"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(payments);
        (await cluster.CreateTopicAsync(refunds)).Should().Be(partitions);
        var instances = Enumerable.Range(0, count).Select(i => Start(cluster, payments, refunds, group, ((char)('a' + i)).ToString())).ToArray();
        await Eventually.Stable(
            () => instances.All(x => x.Payments.Owned.Length > 0 && x.Refunds.Owned.Length > 0 && x.Exchange.Owned.Length > 0)
                && instances.SelectMany(x => x.Exchange.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions)),
            SettleTime,
            GroupDeadline,
            () => $"every instance to own partitions of both topics and of the repartition topic ({string.Join("; ", instances.Select(x => x.ToString()))})");

        var paymentRecords = Enumerable.Range(0, 200).Select(PaymentRecord).ToList();
        var refundRecords = Enumerable.Range(0, 60).Select(RefundRecord).ToList();
        var expected = await BoundedPairs(paymentRecords, refundRecords);
        expected.Should().HaveCountGreaterThan(100, "the test needs pairs on many cards and minutes");
        await cluster.ProduceAsync(payments, paymentRecords);
        await cluster.ProduceAsync(refunds, refundRecords);
        await cluster.ProduceAsync(payments, RepartitionInstance.Ends(partitions));
        await cluster.ProduceAsync(refunds, RepartitionInstance.Ends(partitions));

        await Eventually.True(
            () => instances.Sum(x => x.Pairs.Count) >= expected.Count,
            Deadline,
            () => $"{expected.Count} pairs ({string.Join("; ", instances.Select(x => x.ToString()))})");
        await Task.WhenAll(instances.Select(x => x.Run.StopAsync())).WaitAsync(Deadline);

        foreach (var x in instances) output.WriteLine(x.ToString());
        var emitted = instances.SelectMany(x => x.Pairs).ToList();
        emitted.Should().OnlyHaveUniqueItems("each pair is joined by the one instance that owns its card, once");
        emitted.Should().BeEquivalentTo(expected);
        if (count > 1)
        {
            instances.Count(x => !x.Pairs.IsEmpty).Should().BeGreaterThan(1, "the instances split the cards");
        }
    }
}
