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
public sealed class CoPartitionedJoinTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(4);
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "pipelines-copartitioned-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_storage)) Directory.Delete(_storage, recursive: true);
    }

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

    private Instance Start(KafkaTestCluster cluster, string payments, string refunds, string group, string name, bool storage = false, string? exactlyOnceTopic = null, TimeSpan? checkpointInterval = null)
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
            RepartitionInstance.ExchangeOptions(cluster, instance.Exchange));
        var pairs = Pairs(paid, refunded);
        pairs.To(Sinks.Action<string>(instance.Pairs.Enqueue));
        if (exactlyOnceTopic is not null)
        {
            // Each repartition partition's pairs commit in a transaction with that partition's position.
            pairs.ToKafka(RepartitionInstance.ExactlyOnceOptions(cluster, exactlyOnceTopic, "pairs-", name, logger), x => x, _ => "1");
        }

        instance.Run = new StreamingExecutor(new StreamingOptions
        {
            Parallelism = 2,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            CheckpointInterval = checkpointInterval ?? (storage ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(1)),
            CheckpointStorage = storage ? CheckpointStorage.Directory(_storage) : null,
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

    /// <remarks>
    /// The instances share a checkpoint directory, so the join's state moves with the repartition topic's partitions:
    /// b joins while every card's last minute is open on a (a's watermark is held inside it), takes half the
    /// partitions and restores their payments and refunds; the rest of the minute then reaches b, and every pair of
    /// the minute — one side read by a, the other by b — is joined once. Without moving state the pairs whose first
    /// side a had read would be missing.
    /// </remarks>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnInstanceJoining_WhileWindowsAreOpen_TakesTheJoinsStateAlong_SoNoPairIsMissedOrRepeated(bool exactlyOnce)
    {
        using var cluster = KafkaTestCluster.StartMock();
        string payments = KafkaTestCluster.UniqueName("payments"), refunds = KafkaTestCluster.UniqueName("refunds"), group = KafkaTestCluster.UniqueName("g");
        string? pairsTopic = exactlyOnce ? KafkaTestCluster.UniqueName("pairs") : null;
        int partitions = await cluster.CreateTopicAsync(payments);
        (await cluster.CreateTopicAsync(refunds)).Should().Be(partitions);
        if (pairsTopic is not null) await cluster.CreateTopicAsync(pairsTopic);
        var a = Start(cluster, payments, refunds, group, "a", storage: true, pairsTopic);
        await Eventually.Stable(() => a.Exchange.Owned.Length == partitions, SettleTime, GroupDeadline, () => $"a to own every repartition partition ({a})");

        // 12:00 to 12:12:25, then a record per input partition at that time: the watermark stops inside the last minute.
        var firstPayments = Enumerable.Range(0, 150).Select(PaymentRecord).ToList();
        var firstRefunds = Enumerable.Range(0, 58).Select(RefundRecord).ToList();
        var hold = firstPayments[^1].Timestamp!.Value;
        await cluster.ProduceAsync(payments, firstPayments);
        await cluster.ProduceAsync(refunds, firstRefunds);
        await cluster.ProduceAsync(payments, RepartitionInstance.Ends(partitions).Select(e => e with { Timestamp = hold }));
        await cluster.ProduceAsync(refunds, RepartitionInstance.Ends(partitions).Select(e => e with { Timestamp = hold }));
        int first = firstPayments.Count + firstRefunds.Count;
        await Eventually.True(() => a.Run.ElementsRead >= 2 * first, GroupDeadline, () => $"{first} records read from the input and the repartition topic ({a})");
        long checkpoints = a.Run.CheckpointsCompleted;
        await Eventually.True(() => a.Run.CheckpointsCompleted >= checkpoints + 2, Deadline, () => $"two more checkpoints ({a})");

        var b = Start(cluster, payments, refunds, group, "b", storage: true, pairsTopic);
        var instances = new[] { a, b };
        await Eventually.Stable(
            () => instances.All(x => x.Exchange.Owned.Length > 0) && instances.SelectMany(x => x.Exchange.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions)),
            SettleTime,
            GroupDeadline,
            () => $"b to take a share of the repartition partitions while the last minutes are open ({a}; {b})");

        // The rest of the last minute (payments to 12:13:25, refunds to 12:13:13), then every window closes.
        var restPayments = Enumerable.Range(150, 12).Select(PaymentRecord).ToList();
        var restRefunds = Enumerable.Range(58, 4).Select(RefundRecord).ToList();
        await cluster.ProduceAsync(payments, restPayments);
        await cluster.ProduceAsync(refunds, restRefunds);
        await cluster.ProduceAsync(payments, RepartitionInstance.Ends(partitions));
        await cluster.ProduceAsync(refunds, RepartitionInstance.Ends(partitions));
        var expected = await BoundedPairs([.. firstPayments, .. restPayments], [.. firstRefunds, .. restRefunds]);
        await Eventually.True(
            () => expected.All(e => instances.Any(x => x.Pairs.Contains(e))),
            GroupDeadline,
            () => $"every pair of the bounded run ({a}; {b}; missing {string.Join(" ", expected.Where(e => !instances.Any(x => x.Pairs.Contains(e))).Take(10))})");
        await Task.WhenAll(a.Run.StopAsync(), b.Run.StopAsync()).WaitAsync(Deadline);

        foreach (var x in instances) output.WriteLine(x.ToString());
        var emitted = instances.SelectMany(x => x.Pairs).ToList();
        emitted.Should().OnlyHaveUniqueItems("the old owner drops a moved partition's state without emitting it");
        emitted.Should().BeEquivalentTo(expected);
        b.Pairs.Should().NotBeEmpty("b joins the cards of the partitions it took over");
        a.Run.LateElementsDropped.Should().Be(0);
        b.Run.LateElementsDropped.Should().Be(0);
        if (pairsTopic is not null)
        {
            var committed = cluster.ReadToEnd(pairsTopic, TimeSpan.FromSeconds(10)).Select(r => r.Message.Key!).ToList();
            committed.Should().OnlyHaveUniqueItems("each pair commits once, with the position of its partition").And.BeEquivalentTo(expected);
        }
    }

    /// <remarks>
    /// a crashes before its first checkpoint, so the input partitions it read are read again by b, which writes
    /// their payments and refunds to the repartition topic a second time. Both sides carry their origins across the
    /// union that sends them through one topic (each topic's partitions numbered apart), so the readers drop the
    /// second copies and every pair is joined once. Every record has the same event time: what is compared is
    /// counting, not lateness.
    /// </remarks>
    [Fact]
    public async Task AnInstanceCrashingBeforeItsFirstCheckpoint_HasBothSidesWrittenAgain_AndEveryPairIsStillJoinedOnce()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string payments = KafkaTestCluster.UniqueName("payments"), refunds = KafkaTestCluster.UniqueName("refunds"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(payments);
        (await cluster.CreateTopicAsync(refunds)).Should().Be(partitions);
        using var traffic = new RepartitionTrafficProbe($"{group}-refunds-card-refunds-exchange0-repartition");
        var a = Start(cluster, payments, refunds, group, "a", checkpointInterval: TimeSpan.FromHours(1));
        var b = Start(cluster, payments, refunds, group, "b");
        var instances = new[] { a, b };
        await Eventually.Stable(
            () => instances.All(x => x.Payments.Owned.Length > 0 && x.Refunds.Owned.Length > 0 && x.Exchange.Owned.Length > 0),
            SettleTime,
            GroupDeadline,
            () => $"both instances to own partitions of both topics and of the repartition topic ({a}; {b})");

        var at = RepartitionInstance.Start0 + TimeSpan.FromSeconds(30);
        var paymentRecords = Enumerable.Range(0, 70).Select(i => PaymentRecord(i) with { Timestamp = at }).ToList();
        var refundRecords = Enumerable.Range(0, 25).Select(j => RefundRecord(j) with { Timestamp = at }).ToList();
        await cluster.ProduceAsync(payments, paymentRecords);
        await cluster.ProduceAsync(refunds, refundRecords);
        int records = paymentRecords.Count + refundRecords.Count;
        await Eventually.True(() => traffic.Received >= records, GroupDeadline, () => $"{records} records received through the repartition topic ({a}; {b}; {traffic.Received} received)");
        int[] crashedPayments = a.Payments.Owned, crashedRefunds = a.Refunds.Owned;
        a.Run.CheckpointsCompleted.Should().Be(0, "a commits none of the input it wrote");

        // A crash: no drain, nothing committed. b reads a's input partitions of both topics again from their start.
        await a.Run.StopAsync(drain: false).WaitAsync(Deadline);
        await Eventually.True(
            () => b.Payments.Owned.Length == partitions && b.Refunds.Owned.Length == partitions && b.Exchange.Owned.Length == partitions,
            GroupDeadline,
            () => $"b to take over every partition ({b})");
        long again = paymentRecords.Count(r => crashedPayments.Contains(PartitionOf(partitions, r))) + refundRecords.Count(r => crashedRefunds.Contains(PartitionOf(partitions, r)));
        again.Should().BePositive("a read records of both topics");

        await cluster.ProduceAsync(payments, RepartitionInstance.Ends(partitions));
        await cluster.ProduceAsync(refunds, RepartitionInstance.Ends(partitions));
        var expected = await BoundedPairs(paymentRecords, refundRecords);
        await Eventually.True(() => expected.All(e => b.Pairs.Contains(e)), GroupDeadline, () => $"every pair of the bounded run ({b}; {expected.Count} expected)");
        await b.Run.StopAsync().WaitAsync(Deadline);

        output.WriteLine($"{a}; {b}; {traffic.Dropped} dropped, {again} read again");
        a.Pairs.Should().BeEmpty("the minute was still open when a crashed");
        b.Pairs.Should().OnlyHaveUniqueItems("a payment or refund written twice is joined once").And.BeEquivalentTo(expected);
        traffic.Dropped.Should().BeGreaterThanOrEqualTo(again, "every record of a's input partitions crossed twice");
        b.Run.LateElementsDropped.Should().Be(0);
    }

    /// <summary>The input partition a record went to: the test producer hashes the message key with murmur2.</summary>
    private static int PartitionOf(int partitions, TestRecord record) => Murmur2.Partition(System.Text.Encoding.UTF8.GetBytes(record.Key!), partitions);
}
