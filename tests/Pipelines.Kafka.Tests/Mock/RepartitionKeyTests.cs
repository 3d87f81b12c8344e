using System.Collections.Concurrent;
using System.Globalization;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>A repartition by a key whose equal values have more than one JSON form: each key aggregated once, whole.</summary>
public sealed class RepartitionKeyTests : IDisposable
{
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "pipelines-repartition-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_storage)) Directory.Delete(_storage, recursive: true);
    }

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);
    private static readonly DateTimeOffset Start0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DecimalKeysEqualInDotNet_ButWrittenWithOtherScales_AreCountedAsOneKey_ByOneWorker()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("prices"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);

        // Each price four times, at four scales ("7", "7.0", "7.00", "7.000"): one key to .NET, four to plain JSON.
        string[] scales = ["", ".0", ".00", ".000"];
        var records = Enumerable.Range(1, 24)
            .SelectMany(price => scales.Select((scale, i) => new TestRecord($"r{price}-{i}", price.ToString(CultureInfo.InvariantCulture) + scale, Start0 + TimeSpan.FromSeconds(price))))
            .ToList();

        var results = new ConcurrentQueue<WindowResult<decimal, long>>();
        var source = new KafkaSource<string, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ConsumerConfig = cluster.GroupConsumerConfig ?? new(),
        });
        var p = new PipelineBuilder("price-counts");
        p.From(source)
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.Zero, TimeSpan.FromSeconds(10)))
            .Where(r => r.Value != RepartitionInstance.End)
            .Select(r => decimal.Parse(r.Value, CultureInfo.InvariantCulture))
            .Repartition(x => x, RepartitionInstance.ExchangeOptions(cluster, new AssignmentProbe()))
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Action<WindowResult<decimal, long>>(results.Enqueue));

        // With a checkpoint storage, state is split by the repartition topic's partitions (it moves with them), and two
        // workers split the partitions: a key whose forms land in partitions of different workers is counted twice, in
        // part by each (as by two instances).
        var run = new StreamingExecutor(new StreamingOptions
            {
                Parallelism = 2,
                IdleTimeout = Timeout.InfiniteTimeSpan,
                CheckpointInterval = TimeSpan.FromMilliseconds(300),
                CheckpointStorage = CheckpointStorage.Directory(_storage),
            })
            .Start(p.Build());
        try
        {
            await cluster.ProduceAsync(topic, records);
            await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions));
            await Eventually.True(() => results.Sum(r => r.Value) >= records.Count, Deadline, () => $"{records.Count} prices counted ({results.Sum(r => r.Value)} so far)");
        }
        finally
        {
            await run.StopAsync().WaitAsync(Deadline);
        }

        results.GroupBy(r => r.Key).Should().HaveCount(24)
            .And.OnlyContain(g => g.Count() == 1 && g.Single().Value == scales.Length, "each price is one key, counted whole by one worker");
    }
}
