using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>Topic → pipeline → topic on librdkafka's in-process mock cluster.</summary>
public class RoundTripTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed record Order(string Id, string Customer, decimal Amount);

    private sealed record Receipt(string OrderId, decimal Total);

    [Fact]
    public async Task TopicToPipelineToTopic_EveryRecordArrivesTransformed_KeyedByCustomer_AndOffsetsAreCommittedOnDrain()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("orders"), output = KafkaTestCluster.UniqueName("receipts"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        var orders = Enumerable.Range(0, 300).Select(i => new Order($"o{i}", $"c{i % 17}", i % 10)).ToList();
        await cluster.ProduceAsync(input, orders.Select(o => new TestRecord(o.Customer, JsonSerializer.Serialize(o, JsonSerializerOptions.Web))));

        var source = new KafkaSource<string, Order>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [input],
            ValueDeserializer = new JsonSerde<Order>(),
            ConsumerConfig = cluster.GroupConsumerConfig,
        });
        var p = new PipelineBuilder();
        p.From(source)
            .Where(r => r.Value.Amount > 0)
            .Select(r => (r.Key, Receipt: new Receipt(r.Value.Id, r.Value.Amount * 2), Source: $"{r.Partition}@{r.Offset}"))
            .ToKafka(
                new KafkaSinkOptions<string, Receipt> { BootstrapServers = cluster.BootstrapServers, Topic = output, ValueSerializer = new JsonSerde<Receipt>() },
                key: x => x.Key,
                value: x => x.Receipt,
                timestamp: _ => T0,
                headers: x => [KafkaHeader.FromString("source", x.Source)]);
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).Start(p.Build());

        var expected = orders.Where(o => o.Amount > 0).ToList();
        var written = await Task.Run(() => cluster.ReadAtLeast(output, expected.Count, Deadline));
        await run.StopAsync(drain: true).WaitAsync(Deadline);

        written.Select(r => JsonSerializer.Deserialize<Receipt>(r.Message.Value!, JsonSerializerOptions.Web))
            .Should().BeEquivalentTo(expected.Select(o => new Receipt(o.Id, o.Amount * 2)));
        written.GroupBy(r => r.Message.Key).Should().OnlyContain(g => g.Select(r => r.Partition.Value).Distinct().Count() == 1, "one key, one partition");
        written.Should().OnlyContain(r => r.Message.Timestamp.UnixTimestampMs == T0.ToUnixTimeMilliseconds());
        written.Should().OnlyContain(r => r.Message.Headers.Single().Key == "source");
        cluster.CommittedOffsets(group, input).Should().BeEquivalentTo(cluster.EndOffsets(input), "every record was read and the run drained");
    }

    [Fact]
    public async Task Records_CarryTopicPartitionOffsetKeyTimestampAndHeaders()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in");
        await cluster.CreateTopicAsync(input);
        await cluster.ProduceAsync(input, [new TestRecord("k1", "v1", T0, Partition: 2), new TestRecord(null, "v2", T0.AddSeconds(1), Partition: 2)]);
        var seen = new ConcurrentQueue<KafkaRecord<string?, string>>();
        var p = new PipelineBuilder();
        p.From(new KafkaSource<string?, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers, GroupId = KafkaTestCluster.UniqueName("g"), Topics = [input], ConsumerConfig = cluster.GroupConsumerConfig,
        })).To(Sinks.Action<KafkaRecord<string?, string>>(seen.Enqueue));
        var run = new StreamingExecutor().Start(p.Build());

        await Eventually.True(() => seen.Count == 2, Deadline, "both records");
        await run.StopAsync().WaitAsync(Deadline);

        seen.Select(r => (r.Topic, r.Partition, r.Offset, r.Key, r.Value, r.Timestamp)).Should().Equal(
            (input, 2, 0L, "k1", "v1", T0),
            (input, 2, 1L, (string?)null, "v2", T0.AddSeconds(1)));
        seen.Should().OnlyContain(r => r.Headers.Count == 0);
    }

    [Fact]
    public async Task PerPartitionWatermarks_FireWindowsWhileRunning_AndALaggingPartitionIsNotLate()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("clicks");
        int partitions = await cluster.CreateTopicAsync(input);

        // Partition 0 runs ten minutes ahead of the others; with one watermark per partition its lead must not
        // make the others' records late. A final record at +30 min on every partition closes the first windows.
        var records = new List<TestRecord>();
        for (int p = 0; p < partitions; p++)
        {
            int lead = p == 0 ? 10 : 0;
            for (int minute = 0; minute < 3; minute++)
            {
                for (int i = 0; i < 5; i++) records.Add(new TestRecord($"user{p}", "click", T0.AddMinutes(lead + minute).AddSeconds(i), p));
            }
        }

        await cluster.ProduceAsync(input, records);
        await cluster.ProduceAsync(input, Enumerable.Range(0, partitions).Select(p => new TestRecord($"user{p}", "click", T0.AddMinutes(30), p)));

        var counts = new ConcurrentQueue<WindowResult<string, long>>();
        var p2 = new PipelineBuilder();
        long late = 0;
        var clicks = p2.From(new KafkaSource<string, string>(new()
            {
                BootstrapServers = cluster.BootstrapServers, GroupId = KafkaTestCluster.UniqueName("g"), Topics = [input], ConsumerConfig = cluster.GroupConsumerConfig,
            }))
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(1), idleTimeout: TimeSpan.FromSeconds(3)))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)));
        var counted = clicks.Count();
        counted.To(Sinks.Action<WindowResult<string, long>>(counts.Enqueue));
        counted.LateElements().To(Sinks.Action<KafkaRecord<string, string>>(_ => Interlocked.Increment(ref late)));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).Start(p2.Build());

        // 3 one-minute windows per partition fire on the watermark, before any drain.
        await Eventually.True(() => counts.Count >= 3 * partitions || Interlocked.Read(ref late) > 0, Deadline, "the first windows of every partition to fire");
        await run.StopAsync().WaitAsync(Deadline);

        Interlocked.Read(ref late).Should().Be(0, "partition 0's lead must not make the other partitions' records late");
        counts.Where(c => c.Timing == PaneTiming.OnTime && c.Window.End <= T0.AddMinutes(13))
            .Should().HaveCount(3 * partitions).And.OnlyContain(c => c.Value == 5);
        counts.Select(c => c.Key).Distinct().Should().HaveCount(partitions);
    }
}
