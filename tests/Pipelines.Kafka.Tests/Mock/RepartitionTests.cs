using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// Instances in one group that aggregate by a key other than the message key: they exchange elements through a
/// repartition topic, and together give the totals of one bounded run, each (card, minute) from one instance.
/// </summary>
public class RepartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>The mock's group coordinator needs a few rounds of its timers to agree on a split (two groups here: input and repartition).</summary>
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(40);

    /// <summary>
    /// How long a split must hold before records are produced: the cooperative protocol takes more than one round
    /// (the mock's rounds last session timeout − 1 s), and partitions moving while windows are open are outside what
    /// these tests check (these instances run without a checkpoint storage, so state does not move with its partition: see RepartitionStateTests).
    /// </summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(4);

    private async Task<RepartitionInstance[]> StartAndWaitForTheSplit(KafkaTestCluster cluster, string topic, string group, int partitions, int count)
    {
        var instances = Enumerable.Range(0, count)
            .Select(i => RepartitionInstance.Start(cluster, topic, group, ((char)('a' + i)).ToString(), new TestOutputLogger(output, ((char)('a' + i)).ToString())))
            .ToArray();
        await Eventually.Stable(
            () => instances.All(x => x.Input.Owned.Length > 0 && x.Exchange.Owned.Length > 0)
                && instances.SelectMany(x => x.Input.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions))
                && instances.SelectMany(x => x.Exchange.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions)),
            SettleTime,
            GroupDeadline,
            () => $"every instance to own input and repartition partitions, and the groups to settle ({string.Join("; ", instances.Select(x => x.ToString()))})");
        return instances;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Instances_AggregatingByAKeyOtherThanTheMessageKey_GiveTheTotalsOfOneBoundedRun_EachFromOneInstance(int count)
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var instances = await StartAndWaitForTheSplit(cluster, topic, group, partitions, count);

        var records = Enumerable.Range(0, 300).Select(RepartitionInstance.Record).ToList();
        var expected = await RepartitionInstance.BoundedTotals(records);
        await cluster.ProduceAsync(topic, records);
        await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions));

        await Eventually.True(
            () => instances.Sum(x => x.Results.Count) >= expected.Count,
            Deadline,
            $"{expected.Count} totals ({string.Join("; ", instances.Select(x => x.ToString()))})");
        await Task.WhenAll(instances.Select(x => x.Run.StopAsync())).WaitAsync(Deadline);

        foreach (var x in instances)
        {
            output.WriteLine($"{x.Name}: late dropped {x.Run.LateElementsDropped}, read {x.Run.ElementsRead}; windows {string.Join(" ", x.Results.Select(r => $"{r.Key}@{r.Window.Start:HH:mm}={r.Value}"))}");
        }

        var emitted = instances.SelectMany(x => x.Results.Select(r => (Instance: x.Name, Result: r))).ToList();
        emitted.GroupBy(e => (e.Result.Key, e.Result.Window.Start))
            .Should().OnlyContain(g => g.Count() == 1, "each (card, minute) is aggregated and emitted by one instance, once");
        emitted.ToDictionary(e => $"{e.Result.Key}@{e.Result.Window.Start:O}", e => e.Result.Value)
            .Should().BeEquivalentTo(expected.ToDictionary(e => $"{e.Key.Card}@{e.Key.Start:O}", e => e.Value));
        if (count > 1)
        {
            instances.Count(x => !x.Results.IsEmpty).Should().BeGreaterThan(1, "the instances split the cards");
        }
    }

    /// <remarks>
    /// Each phase ends with a record per input partition a day later, so every window of the phase fires before the
    /// group changes: this test covers instances joining and leaving between windows. A rebalance while windows are
    /// open still lets the old owner emit them too (without a checkpoint storage state does not move with its partition; RepartitionStateTests covers moves with one).
    /// </remarks>
    [Fact]
    public async Task AnInstanceJoining_AndOneLeavingAfterADrain_TogetherGiveTheTotalsOfOneBoundedRun_EachOnce()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var a = (await StartAndWaitForTheSplit(cluster, topic, group, partitions, 1))[0];
        var all = new List<TestRecord>();
        var instances = new List<RepartitionInstance> { a };

        async Task Phase(int day, string what)
        {
            // Each phase starts after the end records of the one before: none of its payments is late.
            var records = Enumerable.Range(day * 40_000, 150).Select(RepartitionInstance.Record).ToList();
            all.AddRange(records);
            int expected = (await RepartitionInstance.BoundedTotals(all)).Count;
            await cluster.ProduceAsync(topic, records);
            await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions).Select(e => e with { Timestamp = records[^1].Timestamp + TimeSpan.FromDays(1) }));
            await Eventually.True(
                () => instances.Sum(x => x.Results.Count) >= expected,
                GroupDeadline,
                () => $"{expected} totals {what} ({string.Join("; ", instances.Select(x => x.ToString()))})");
        }

        await Phase(0, "from a alone");

        var b = RepartitionInstance.Start(cluster, topic, group, "b", new TestOutputLogger(output, "b"));
        instances.Add(b);
        await Eventually.Stable(
            () => a.Input.Owned.Length > 0 && b.Input.Owned.Length > 0 && a.Exchange.Owned.Length > 0 && b.Exchange.Owned.Length > 0,
            SettleTime,
            GroupDeadline,
            () => $"b to take a share, and the groups to settle ({a}; {b})");
        await Phase(1, "after b joined");

        await a.Run.StopAsync(drain: true).WaitAsync(Deadline);
        await Eventually.True(
            () => b.Input.Owned.Length == partitions && b.Exchange.Owned.Length == partitions,
            GroupDeadline,
            () => $"b to take over every partition ({b})");
        await Phase(2, "after a left");
        await b.Run.StopAsync().WaitAsync(Deadline);

        var expectedTotals = await RepartitionInstance.BoundedTotals(all);
        var emitted = instances.SelectMany(x => x.Results).ToList();
        emitted.GroupBy(r => (r.Key, r.Window.Start)).Should().OnlyContain(g => g.Count() == 1, "each (card, minute) is emitted by one owner, once");
        emitted.ToDictionary(r => $"{r.Key}@{r.Window.Start:O}", r => r.Value)
            .Should().BeEquivalentTo(expectedTotals.ToDictionary(e => $"{e.Key.Card}@{e.Key.Start:O}", e => e.Value));
        a.Results.Should().NotBeEmpty();
        b.Results.Should().NotBeEmpty();
    }

    /// <remarks>
    /// a leaves while every card's last minute is still open. Its open windows fire at its drain with what it had;
    /// its repartition partitions are not committed past the last checkpoint, so b, their next owner, reads them again
    /// from there and rebuilds those windows whole. So a (card, minute) can come from both, and the last one to
    /// arrive is the bounded run's (at-least-once, upsert by (card, minute)).
    /// </remarks>
    [Fact]
    public async Task AnInstanceLeavingAfterADrain_WhileWindowsAreOpen_LeavesThemToTheNextOwner_WhoseResultsComeLastAndWhole()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var log = new System.Collections.Concurrent.ConcurrentQueue<(string Instance, WindowResult<int, long> Result)>();
        var instances = Enumerable.Range(0, 2)
            .Select(i => ((char)('a' + i)).ToString())
            .Select(name => RepartitionInstance.Start(cluster, topic, group, name, new TestOutputLogger(output, name), (n, r) => log.Enqueue((n, r))))
            .ToArray();
        var (a, b) = (instances[0], instances[1]);
        await Eventually.Stable(
            () => instances.All(x => x.Input.Owned.Length > 0 && x.Exchange.Owned.Length > 0)
                && instances.SelectMany(x => x.Exchange.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions)),
            SettleTime,
            GroupDeadline,
            () => $"both instances to own input and repartition partitions ({a}; {b})");

        // 150 payments 5 s apart (12:00 to 12:12:25), then a record per input partition at the last payment's time,
        // so every instance's watermark stops at the same point: 12:12:15, inside the last minute of every card.
        var first = Enumerable.Range(0, 150).Select(RepartitionInstance.Record).ToList();
        var hold = first[^1].Timestamp!.Value;
        await cluster.ProduceAsync(topic, first);
        await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions).Select(e => e with { Timestamp = hold }));
        int closed = (await RepartitionInstance.BoundedTotals(first)).Count(t => t.Key.Start + RepartitionInstance.WindowSize <= hold - TimeSpan.FromSeconds(10));
        await Eventually.True(() => log.Count >= closed, GroupDeadline, () => $"{closed} totals of the closed minutes ({a}; {b})");
        a.Results.Should().NotBeEmpty("a aggregates cards of its own");

        await a.Run.StopAsync(drain: true).WaitAsync(Deadline);
        await Eventually.True(
            () => b.Input.Owned.Length == partitions && b.Exchange.Owned.Length == partitions,
            GroupDeadline,
            () => $"b to take over every partition ({b})");

        // The rest of the last minute of each card, and the end: every window closes.
        var rest = Enumerable.Range(150, 12).Select(RepartitionInstance.Record).ToList();
        await cluster.ProduceAsync(topic, rest);
        await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions));
        var expected = await RepartitionInstance.BoundedTotals([.. first, .. rest]);
        await Eventually.True(
            () => expected.All(e => log.Any(x => x.Result.Key == e.Key.Card && x.Result.Window.Start == e.Key.Start && x.Result.Value == e.Value)),
            GroupDeadline,
            () => $"every total of the bounded run ({a}; {b}; {log.Count} results)");
        await b.Run.StopAsync().WaitAsync(Deadline);

        foreach (var (name, r) in log) output.WriteLine($"{name}: {r.Key}@{r.Window.Start:HH:mm}={r.Value}");
        var last = log.GroupBy(x => (x.Result.Key, x.Result.Window.Start)).ToDictionary(g => $"{g.Key.Key}@{g.Key.Start:O}", g => g.Last().Result.Value);
        last.Should().BeEquivalentTo(expected.ToDictionary(e => $"{e.Key.Card}@{e.Key.Start:O}", e => e.Value), "upserted by (card, minute), the results are the bounded run's");
        log.Where(x => x.Instance == "a").Should().NotBeEmpty();
        a.Run.LateElementsDropped.Should().Be(0);
    }
}
