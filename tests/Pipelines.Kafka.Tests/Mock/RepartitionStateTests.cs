using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// Instances sharing a checkpoint directory: the keyed state behind the repartition topic moves with its
/// partitions. Whenever partitions change owner while windows (tumbling, sessions, a process function's minutes)
/// are open — an instance joining, one leaving after a drain, one crashing — the old owner drops their state without
/// emitting it and the new owner restores it from the snapshot stored with the offset it resumes from. So no
/// (card, window) ever comes from two owners with different values, and the results are a bounded run's.
/// </summary>
public sealed class RepartitionStateTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(4);
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "pipelines-repartition-state-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<(string Instance, WindowResult<int, long> Result)> _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_storage)) Directory.Delete(_storage, recursive: true);
    }

    private RepartitionInstance Start(KafkaTestCluster cluster, string topic, string group, string name, PerCard kind, TimeSpan? checkpointInterval = null) =>
        RepartitionInstance.Start(cluster, topic, group, name, new TestOutputLogger(output, name), (n, r) => _log.Enqueue((n, r)), _storage, kind, checkpointInterval);

    /// <summary>150 payments (12:00 to 12:12:25), then a record per input partition at the last one's time: every watermark stops inside the last minute of every card, and inside every card's session.</summary>
    private static (List<TestRecord> Records, DateTimeOffset Hold) FirstPart() =>
        (Enumerable.Range(0, 150).Select(RepartitionInstance.Record).ToList(), RepartitionInstance.Record(149).Timestamp!.Value);

    private static Task ProduceHold(KafkaTestCluster cluster, string topic, int partitions, DateTimeOffset hold) =>
        cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions).Select(e => e with { Timestamp = hold }));

    /// <summary>Waits until the instances have read <paramref name="records"/> (input and repartition topic) and each completed two more checkpoints, so the state of those records is stored.</summary>
    private static async Task ReadAndCheckpointed(IReadOnlyList<RepartitionInstance> instances, int records)
    {
        await Eventually.True(() => instances.Sum(x => x.Run.ElementsRead) >= 2 * records, GroupDeadline,
            () => $"{records} payments read twice ({string.Join("; ", instances)})");
        var before = instances.Select(x => x.Run.CheckpointsCompleted).ToArray();
        await Eventually.True(() => instances.Select((x, i) => x.Run.CheckpointsCompleted >= before[i] + 2).All(b => b), Deadline,
            () => $"two more checkpoints ({string.Join("; ", instances)})");
    }

    /// <summary>The rest of every card's last minute and session, then a record per partition a day later: every window closes.</summary>
    private async Task<Dictionary<(int Card, DateTimeOffset Start), long>> FinishAsync(KafkaTestCluster cluster, string topic, int partitions, List<TestRecord> first, PerCard kind, IReadOnlyList<RepartitionInstance> instances)
    {
        var rest = Enumerable.Range(150, 12).Select(RepartitionInstance.Record).ToList();
        await cluster.ProduceAsync(topic, rest);
        await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions));
        var expected = await RepartitionInstance.BoundedTotals([.. first, .. rest], kind);
        await Eventually.True(
            () => expected.All(e => _log.Any(x => x.Result.Key == e.Key.Card && x.Result.Window.Start == e.Key.Start && x.Result.Value == e.Value)),
            GroupDeadline,
            () => $"every total of the bounded run ({string.Join("; ", instances)}; {_log.Count} results)");
        return expected;
    }

    private void CheckResults(Dictionary<(int Card, DateTimeOffset Start), long> expected)
    {
        foreach (var (name, r) in _log) output.WriteLine($"{name}: {r.Key}@{r.Window.Start:HH:mm:ss}={r.Value}");
        var byWindow = _log.GroupBy(x => (x.Result.Key, x.Result.Window.Start)).ToList();
        byWindow.Should().OnlyContain(g => g.Select(x => x.Result.Value).Distinct().Count() == 1,
            "no (card, window) is emitted by two owners with different (partial) values: the state moved with its partition");
        byWindow.ToDictionary(g => $"{g.Key.Key}@{g.Key.Start:O}", g => g.Last().Result.Value)
            .Should().BeEquivalentTo(expected.ToDictionary(e => $"{e.Key.Card}@{e.Key.Start:O}", e => e.Value), "upserted by (card, window), the results are the bounded run's");
    }

    private static async Task WaitForSplit(IReadOnlyList<RepartitionInstance> instances, int partitions, string what) =>
        await Eventually.Stable(
            () => instances.All(x => x.Exchange.Owned.Length > 0)
                && instances.SelectMany(x => x.Exchange.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions)),
            SettleTime,
            GroupDeadline,
            () => $"{what} ({string.Join("; ", instances)})");

    [Theory]
    [InlineData(PerCard.Tumbling)]
    [InlineData(PerCard.Process)]
    public async Task AnInstanceJoining_WhileWindowsAreOpen_TakesTheirStateAlong(PerCard kind)
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var a = Start(cluster, topic, group, "a", kind);
        await WaitForSplit([a], partitions, "a to own every repartition partition");

        var (first, hold) = FirstPart();
        await cluster.ProduceAsync(topic, first);
        await ProduceHold(cluster, topic, partitions, hold);
        await ReadAndCheckpointed([a], first.Count);

        var b = Start(cluster, topic, group, "b", kind);
        await WaitForSplit([a, b], partitions, "b to take a share of the repartition partitions while the last minutes are open");
        var expected = await FinishAsync(cluster, topic, partitions, first, kind, [a, b]);
        await Task.WhenAll(a.Run.StopAsync(), b.Run.StopAsync()).WaitAsync(Deadline);

        CheckResults(expected);
        _log.Where(x => x.Instance == "b").Should().NotBeEmpty("b aggregates the cards of the partitions it took over");
    }

    [Theory]
    [InlineData(PerCard.Tumbling)]
    [InlineData(PerCard.Sessions)]
    public async Task AnInstanceLeavingAfterADrain_WhileWindowsAreOpen_HandsTheirStateToTheNextOwner(PerCard kind)
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var a = Start(cluster, topic, group, "a", kind);
        var b = Start(cluster, topic, group, "b", kind);
        await WaitForSplit([a, b], partitions, "both instances to own repartition partitions");

        var (first, hold) = FirstPart();
        await cluster.ProduceAsync(topic, first);
        await ProduceHold(cluster, topic, partitions, hold);
        await ReadAndCheckpointed([a, b], first.Count);
        int fromA = _log.Count(x => x.Instance == "a");

        await a.Run.StopAsync(drain: true).WaitAsync(Deadline);
        _log.Count(x => x.Instance == "a").Should().Be(fromA, "a's drain emits none of its open windows: they stay in the storage for the next owner");
        await Eventually.True(() => b.Exchange.Owned.Length == partitions, GroupDeadline, () => $"b to take over every partition ({b})");
        var expected = await FinishAsync(cluster, topic, partitions, first, kind, [a, b]);
        await b.Run.StopAsync().WaitAsync(Deadline);

        CheckResults(expected);
        a.Run.LateElementsDropped.Should().Be(0);
        b.Run.LateElementsDropped.Should().Be(0);
    }

    /// <summary>
    /// Instance a takes no periodic checkpoint (an interval of an hour): everything it read is committed only by the
    /// final checkpoint of its drain, which stores the windows it holds under the offsets where its repartition reader
    /// stopped. b restores them from there and reads on: the elements read from the repartition topic, by both
    /// instances, are exactly the elements written to it — b reads again none that a had read.
    /// </summary>
    [Fact]
    public async Task AnInstanceLeavingAfterADrain_TakesAFinalCheckpoint_SoTheNextOwnerRepeatsNothing()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        using var traffic = new RepartitionTrafficProbe($"{group}-{RepartitionInstance.PipelineName}-exchange0-repartition");
        var a = Start(cluster, topic, group, "a", PerCard.Tumbling, checkpointInterval: TimeSpan.FromHours(1));
        var b = Start(cluster, topic, group, "b", PerCard.Tumbling);
        await WaitForSplit([a, b], partitions, "both instances to own repartition partitions");

        var (first, hold) = FirstPart();
        await cluster.ProduceAsync(topic, first);
        await ProduceHold(cluster, topic, partitions, hold);
        await Eventually.True(() => a.Run.ElementsRead + b.Run.ElementsRead >= 2 * first.Count && traffic.Received >= first.Count, GroupDeadline,
            () => $"{first.Count} payments read twice and received once ({a}; {b}; {traffic.Received} received)");
        var closed = (await RepartitionInstance.BoundedTotals(first)).Where(e => e.Key.Start + RepartitionInstance.WindowSize <= hold - TimeSpan.FromSeconds(10)).ToList();
        await Eventually.True(() => closed.All(e => _log.Any(x => x.Result.Key == e.Key.Card && x.Result.Window.Start == e.Key.Start && x.Result.Value == e.Value)), GroupDeadline,
            () => $"the {closed.Count} minutes the watermark passed to be emitted ({a}; {b}; {_log.Count} results)");
        a.Run.CheckpointsCompleted.Should().Be(0, "a takes no checkpoint before its drain");
        int fromA = _log.Count(x => x.Instance == "a");

        await a.Run.StopAsync(drain: true).WaitAsync(Deadline);
        a.Run.CheckpointsCompleted.Should().Be(1, "the drain takes a final checkpoint");
        _log.Count(x => x.Instance == "a").Should().Be(fromA, "a's drain emits none of its open windows: they go into its final checkpoint");
        await Eventually.True(() => b.Exchange.Owned.Length == partitions, GroupDeadline, () => $"b to take over every partition ({b})");
        var expected = await FinishAsync(cluster, topic, partitions, first, PerCard.Tumbling, [a, b]);
        await b.Run.StopAsync().WaitAsync(Deadline);

        CheckResults(expected);
        a.Run.LateElementsDropped.Should().Be(0);
        b.Run.LateElementsDropped.Should().Be(0);
        traffic.Sent.Should().Be(first.Count + 12, "every payment crosses the repartition topic once");
        traffic.Received.Should().Be(traffic.Sent, "b resumes each partition where a's final checkpoint stopped it, so no element of the repartition topic is read twice");
    }

    [Fact]
    public async Task AnInstanceCrashing_WhileWindowsAreOpen_LeavesTheirStateAsOfItsLastCheckpoint_ToTheNextOwner()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var instances = new[] { "a", "b", "c" }.Select(n => Start(cluster, topic, group, n, PerCard.Process)).ToArray();
        await WaitForSplit(instances, partitions, "three instances to share the repartition partitions");

        var (first, hold) = FirstPart();
        await cluster.ProduceAsync(topic, first);
        await ProduceHold(cluster, topic, partitions, hold);
        await ReadAndCheckpointed(instances, first.Count);

        // A crash: the run is cancelled without draining; nothing after its last completed checkpoint is committed.
        var crashed = instances[0];
        await crashed.Run.StopAsync(drain: false).WaitAsync(Deadline);
        var survivors = instances[1..];
        await WaitForSplit(survivors, partitions, "b and c to take over a's partitions");
        var expected = await FinishAsync(cluster, topic, partitions, first, PerCard.Process, instances);
        await Task.WhenAll(survivors.Select(x => x.Run.StopAsync())).WaitAsync(Deadline);

        CheckResults(expected);
    }
}
