using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>The reader's watermark across a repartition topic: minimum over writers per partition, then over owned partitions.</summary>
public class PartitionWatermarksTests
{
    private const string Topic = "t";
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private PartitionWatermarks Create(params int[] owned)
    {
        var w = new PartitionWatermarks(Topic, Idle, _clock, NullLogger.Instance);
        w.Assign(owned.Select(p => new TopicPartition(Topic, p)));
        return w;
    }

    [Fact]
    public void APartitionNewlyAssigned_HoldsTheWatermark_UntilAWriterIsKnown_OrTheIdleTimeoutPasses()
    {
        var w = Create(0, 1);
        w.Observe(0, "a", 100);
        w.Current().Should().BeNull("partition 1 may still receive older elements from writers not heard of yet");

        _clock.Advance(Idle);
        w.Observe(0, "a", 100);
        w.Current().Should().Be(100, "partition 1 had no writer for the whole idle timeout");
    }

    [Fact]
    public void Watermark_IsTheMinimumOverWriters_ThenOverPartitions()
    {
        var w = Create(0, 1);
        w.Observe(0, "a", 300);
        w.Observe(0, "b", 200);
        w.Observe(1, "a", 250);
        w.Observe(1, "b", 400);
        w.Current().Should().Be(200);

        w.Observe(0, "b", 500);
        w.Current().Should().Be(250, "partition 0 is now at min(300, 500), partition 1 at min(250, 400)");
    }

    [Fact]
    public void AWriterThatAnnouncesItsEnd_StopsHoldingTheWatermarkBack_AtOnce()
    {
        var w = Create(0);
        w.Observe(0, "a", 300);
        w.Observe(0, "b", 100);
        w.Current().Should().Be(100);

        w.Observe(0, "b", RepartitionHeaders.Done);
        w.Current().Should().Be(300);
    }

    [Fact]
    public void ASilentWriter_StopsHoldingTheWatermarkBack_AfterTheIdleTimeout_AndRejoinsWithItsNextRecord()
    {
        var w = Create(0);
        w.Observe(0, "a", 100);
        w.Observe(0, "b", 50);
        _clock.Advance(Idle - TimeSpan.FromSeconds(1));
        w.Observe(0, "a", 200);
        w.Current().Should().Be(50, "b is not silent yet");

        _clock.Advance(TimeSpan.FromSeconds(1));
        w.Current().Should().Be(200);

        w.Observe(0, "b", 60);
        w.Current().Should().Be(60, "the reader never declares a watermark lower than one it declared; this is only the partition's minimum");
    }

    [Fact]
    public void ARevokedPartition_NoLongerCounts()
    {
        var w = Create(0, 1);
        w.Observe(0, "a", 100);
        w.Observe(1, "a", 500);
        w.Current().Should().Be(100);

        w.Revoke([new TopicPartition(Topic, 0)]);
        w.Current().Should().Be(500);
    }

    [Fact]
    public void PartitionsWhoseWritersAllEnded_DoNotCount_AndWithNoneLeftThereIsNoWatermark()
    {
        var w = Create(0, 1);
        w.Observe(0, "a", 100);
        w.Observe(1, "a", 200);
        w.Observe(0, "a", RepartitionHeaders.Done);
        w.Current().Should().Be(200);

        w.Observe(1, "a", RepartitionHeaders.Done);
        w.Current().Should().BeNull();
    }
}
