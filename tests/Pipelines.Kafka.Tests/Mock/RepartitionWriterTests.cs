using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>What a repartition writer tells readers about itself: it is alive (heartbeats, elements) and idle or not.</summary>
public class RepartitionWriterTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private async Task<(RepartitionTopic Topic, int Partitions)> TopicAsync(KafkaTestCluster cluster, string? name = null)
    {
        var options = new KafkaRepartitionOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = KafkaTestCluster.UniqueName("g"),
            Topic = name ?? KafkaTestCluster.UniqueName("exchange"),
            Partitions = 2,
            TopicCreationTimeout = TimeSpan.FromSeconds(1),
            ProducerIdleTimeout = Idle,
            TimeProvider = _clock,
        };
        var exchange = new KafkaRepartition<int, int>(x => x, options, StateSerializers.Json<int>(), StateSerializers.Json<int>());
        new PipelineBuilder("writer-test").From(Sources.Enumerable([1, 2, 3])).Through(exchange);
        int partitions = await exchange.Topic!.EnsureAsync(CancellationToken.None);
        return (exchange.Topic, partitions);
    }

    private static (long Watermark, string Producer, bool Idle)? Watermark(ConsumeResult<string?, string?> record) =>
        RepartitionHeaders.TryReadWatermark(Headers(record), out long watermark, out string producer, out bool idle) ? (watermark, producer, idle) : null;

    private static List<KafkaHeader> Headers(ConsumeResult<string?, string?> record) =>
        [.. record.Message.Headers.Select(h => new KafkaHeader(h.Key, h.GetValueBytes()))];

    [Fact]
    public async Task AWriterWhoseWatermarkHasNotAdvanced_KeepsAnnouncingItself_AndNamesItselfOnEveryElement()
    {
        using var cluster = KafkaTestCluster.StartMock();
        var (topic, partitions) = await TopicAsync(cluster);
        await using (var writer = new RepartitionSinkWriter<int, int>(topic, partitions, x => x, StateSerializers.Json<int>(), StateSerializers.Json<int>(), eventTime: true, CancellationToken.None))
        {
            // Three idle timeouts of writing elements while the writer's watermark stays at −∞ (a long first read).
            for (int second = 0; second < 3 * Idle.TotalSeconds; second++)
            {
                writer.Write([second], [new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks]);
                _clock.Advance(TimeSpan.FromSeconds(1));
            }

            await writer.FlushAsync(CancellationToken.None);
        }

        var records = cluster.ReadToEnd(topic.Name, TimeSpan.FromSeconds(20));
        var marks = records.Select(r => (r.Partition.Value, Mark: Watermark(r))).Where(x => x.Mark is not null).ToList();
        string producer = marks.Select(m => m.Mark!.Value.Producer).Distinct().Should().ContainSingle().Subject;
        for (int p = 0; p < partitions; p++)
        {
            marks.Where(m => m.Value == p).Select(m => m.Mark!.Value.Watermark).Should().OnlyContain(w => w == long.MinValue)
                .And.HaveCountGreaterThanOrEqualTo(8, "the writer repeats its watermark every third of the idle timeout, also at −∞, so no reader takes it for gone");
        }

        var elements = records.Where(r => Watermark(r) is null).ToList();
        elements.Should().HaveCount(90);
        elements.Should().OnlyContain(r => RepartitionHeaders.ReadProducer(Headers(r)) == producer, "each element shows readers its writer is alive");
    }

    [Fact]
    public async Task AWriterWhoseInputIsIdle_SaysSo_UntilItWritesAgain()
    {
        using var cluster = KafkaTestCluster.StartMock();
        var (topic, partitions) = await TopicAsync(cluster);
        await using (var writer = new RepartitionSinkWriter<int, int>(topic, partitions, x => x, StateSerializers.Json<int>(), StateSerializers.Json<int>(), eventTime: true, CancellationToken.None))
        {
            writer.OnWatermark(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            _clock.Advance(TimeSpan.FromSeconds(1));
            writer.OnIdle();
            _clock.Advance(Idle);
            writer.Write([1], [new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero).UtcTicks]);
            _clock.Advance(Idle);
            await writer.FlushAsync(CancellationToken.None);
        }

        var records = cluster.ReadToEnd(topic.Name, TimeSpan.FromSeconds(20));
        var inPartition = records.Where(r => r.Partition.Value == records.Single(x => Watermark(x) is null).Partition.Value).ToList();
        int element = inPartition.FindIndex(r => Watermark(r) is null);
        inPartition.Take(element).Select(r => Watermark(r)!.Value.Idle).Should().Contain(true).And.EndWith(true, "the writer was idle until its element");
        inPartition.Skip(element + 1).Select(r => Watermark(r)!.Value.Idle).Should().NotBeEmpty().And.OnlyContain(idle => !idle, "writing ended the idleness");
    }

    [Fact]
    public async Task AWriter_PutsEachElementInItsKeysPartition_AmongThePartitionsTheRunOpened_WhenTheTopicHasMore()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string name = KafkaTestCluster.UniqueName("exchange");
        await cluster.CreateTopicAsync(name, partitions: 4);
        var (wide, existing) = await TopicAsync(cluster, name);
        existing.Should().Be(4);

        // The topic grew to 4 partitions after the run took its count (2): its readers split keys by 2.
        const int partitions = 2;
        var partitionOf = new RepartitionKeys<int>(StateSerializers.Json<int>()).For<int>(() => partitions)!;
        await using (var writer = new RepartitionSinkWriter<int, int>(wide, partitions, x => x, StateSerializers.Json<int>(), StateSerializers.Json<int>(), eventTime: false, CancellationToken.None))
        {
            writer.Write([.. Enumerable.Range(0, 60)], []);
            await writer.FlushAsync(CancellationToken.None);
        }

        var elements = cluster.ReadToEnd(wide.Name, TimeSpan.FromSeconds(20)).Where(r => Watermark(r) is null).ToList();
        elements.Should().HaveCount(60);
        elements.Should().OnlyContain(
            r => r.Partition.Value == partitionOf(int.Parse(r.Message.Key!, System.Globalization.CultureInfo.InvariantCulture)),
            "an element goes where the readers look for its key, never to a partition they do not split by");
    }
}
