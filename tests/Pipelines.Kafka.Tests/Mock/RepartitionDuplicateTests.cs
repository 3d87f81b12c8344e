using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// An input record written to the repartition topic twice — its partition's next owner read it again because the
/// instance that wrote it first never committed its offset (it crashed before its first checkpoint) — counts once:
/// each element carries its input partition and offset, and the reader of a repartition partition drops what it
/// already took. Every payment here has the same event time, so no watermark passes any of them while they are
/// written again: what is compared is counting, not lateness.
/// </summary>
public sealed class RepartitionDuplicateTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(40);
    private static readonly DateTimeOffset PaidAt = RepartitionInstance.Start0 + TimeSpan.FromSeconds(30);
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "pipelines-repartition-dup-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<(string Instance, WindowResult<int, long> Result)> _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_storage)) Directory.Delete(_storage, recursive: true);
    }

    private RepartitionInstance Start(KafkaTestCluster cluster, string topic, string group, string name, TimeSpan? checkpointInterval = null) =>
        RepartitionInstance.Start(cluster, topic, group, name, new TestOutputLogger(output, name), (n, r) => _log.Enqueue((n, r)), _storage, PerCard.Tumbling, checkpointInterval);

    private static TestRecord Payment(int i) => new($"p{i}", $"{i % 7}|{i + 1}", PaidAt);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnInstanceCrashingBeforeItsFirstCheckpoint_HasItsInputWrittenAgain_AndEveryPaymentStillCountsOnce(bool sharedStorage)
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        using var traffic = new RepartitionTrafficProbe($"{group}-{RepartitionInstance.PipelineName}-exchange0-repartition");
        var a = sharedStorage
            ? Start(cluster, topic, group, "a", checkpointInterval: TimeSpan.FromHours(1))
            : RepartitionInstance.Start(cluster, topic, group, "a", new TestOutputLogger(output, "a"), (n, r) => _log.Enqueue((n, r)), checkpointInterval: TimeSpan.FromHours(1));
        var b = sharedStorage
            ? Start(cluster, topic, group, "b")
            : RepartitionInstance.Start(cluster, topic, group, "b", new TestOutputLogger(output, "b"), (n, r) => _log.Enqueue((n, r)));
        await Eventually.True(() => a.Input.Owned.Length > 0 && b.Input.Owned.Length > 0 && a.Exchange.Owned.Length > 0 && b.Exchange.Owned.Length > 0, GroupDeadline,
            () => $"both instances to read input and repartition partitions ({a}; {b})");

        var payments = Enumerable.Range(0, 140).Select(Payment).ToList();
        await cluster.ProduceAsync(topic, payments);
        await Eventually.True(() => traffic.Received >= payments.Count, GroupDeadline,
            () => $"{payments.Count} payments received through the repartition topic ({a}; {b}; {traffic.Received} received)");
        int[] crashedInput = a.Input.Owned;
        a.Run.CheckpointsCompleted.Should().Be(0, "a commits none of the input it wrote");

        // A crash: no drain, nothing committed. b reads a's input partitions again from their start.
        await a.Run.StopAsync(drain: false).WaitAsync(Deadline);
        await Eventually.True(() => b.Input.Owned.Length == partitions && b.Exchange.Owned.Length == partitions, GroupDeadline, () => $"b to take over every partition ({b})");
        long again = payments.Count(p => crashedInput.Contains(PartitionOf(partitions, p)));

        // The end records follow the payments written again in each input partition, so the windows close after them.
        await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions));
        var expected = await RepartitionInstance.BoundedTotals(payments);
        await Eventually.True(() => expected.All(e => _log.Any(x => x.Result.Key == e.Key.Card && x.Result.Window.Start == e.Key.Start)), GroupDeadline,
            () => $"a total for every card ({b}; {_log.Count} results)");
        await b.Run.StopAsync().WaitAsync(Deadline);

        foreach (var (name, r) in _log) output.WriteLine($"{name}: {r.Key}@{r.Window.Start:HH:mm:ss}={r.Value}");
        _log.Should().OnlyContain(x => x.Instance == "b", "every window was still open when a crashed");
        _log.ToDictionary(x => (x.Result.Key, x.Result.Window.Start), x => x.Result.Value).Should().BeEquivalentTo(expected, "each payment counts once, however often it crossed the repartition topic");
        traffic.Dropped.Should().BeGreaterThanOrEqualTo(again, "every payment of a's {0} input partitions crossed twice", crashedInput.Length);
        b.Run.LateElementsDropped.Should().Be(0);
    }

    /// <summary>The input partition a payment went to: the test producer hashes the message key with murmur2.</summary>
    private static int PartitionOf(int partitions, TestRecord record) => Murmur2.Partition(System.Text.Encoding.UTF8.GetBytes(record.Key!), partitions);
}
