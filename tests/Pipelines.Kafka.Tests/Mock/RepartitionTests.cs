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
    /// these tests check (state does not move with its partition yet).
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
    /// open still lets the old owner emit them too (state does not move with its partition yet; see the README).
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
}
