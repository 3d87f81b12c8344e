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

    /// <summary>A reader that is caught up polls every 100 ms for <paramref name="time"/>, finding nothing.</summary>
    private void WaitCaughtUp(PartitionWatermarks w, TimeSpan time)
    {
        for (var waited = TimeSpan.Zero; waited < time; waited += TimeSpan.FromMilliseconds(100))
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            w.Advance(caughtUp: true);
        }
    }

    [Fact]
    public void APartitionNewlyAssigned_HoldsTheWatermark_UntilAWriterIsKnown_OrTheIdleTimeoutPasses()
    {
        var w = Create(0, 1);
        w.Observe(0, "a", 100);
        w.Current().Should().BeNull("partition 1 may still receive older elements from writers not heard of yet");

        WaitCaughtUp(w, Idle);
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
        WaitCaughtUp(w, Idle - TimeSpan.FromSeconds(1));
        w.Observe(0, "a", 200);
        w.Current().Should().Be(50, "b is not silent yet");

        WaitCaughtUp(w, TimeSpan.FromSeconds(1));
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

    [Fact]
    public void AWriterWhoseWatermarkHasNotAdvanced_ButWritesElements_HoldsTheWatermark_PastTheIdleTimeout()
    {
        var w = Create(0);
        w.Observe(0, "a", long.MinValue); // announced at start, reading a backlog: its watermark stays at −∞
        w.Observe(0, "b", 500);
        for (int second = 0; second < 2 * Idle.TotalSeconds; second++)
        {
            WaitCaughtUp(w, TimeSpan.FromSeconds(1));
            w.Element(0, "a");
            w.Observe(0, "b", 500 + second);
            w.Current().Should().Be(long.MinValue, "a is alive (its elements keep coming) and may still send elements older than b's watermark");
        }

        w.Observe(0, "a", 300);
        w.Current().Should().Be(300);
    }

    [Fact]
    public void AWriterMetFirstThroughAnElement_HoldsThePartition_UntilItsWatermarkRecord()
    {
        var w = Create(0);
        w.Observe(0, "b", 500);
        w.Element(0, "a");
        w.Current().Should().Be(long.MinValue, "a's watermark is not known yet (the reader started after its announcement)");

        w.Observe(0, "a", 700);
        w.Current().Should().Be(500);
    }

    [Fact]
    public void AReaderThatWasPaused_DoesNotDeclareWritersSilent_ByTheTimeItWasNotReading()
    {
        var w = Create(0);
        w.Observe(0, "a", 100);
        w.Observe(0, "b", 50);
        _clock.Advance(2 * Idle); // backpressured, or held by a checkpoint's alignment: no read at all
        w.Advance(caughtUp: true);
        w.Observe(0, "a", 200);
        w.Current().Should().Be(50, "b's records written meanwhile are still ahead of this reader");

        for (int i = 0; i < 2 * Idle.TotalSeconds * 10; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            w.Advance(caughtUp: false); // reading a backlog: each read fills the batch
        }

        w.Observe(0, "a", 300);
        w.Current().Should().Be(50, "a reader still reading a backlog has not reached b's newer records");

        WaitCaughtUp(w, Idle);
        w.Observe(0, "a", 400);
        w.Current().Should().Be(400, "caught up for the whole idle timeout without a record of b: b is gone");
    }

    [Fact]
    public void AnIdleWriter_DoesNotHoldTheWatermarkBack_UntilItsNextElement()
    {
        var w = Create(0);
        w.Observe(0, "a", 300);
        w.Observe(0, "b", 100, idle: true);
        w.Current().Should().Be(300, "b's input is idle");

        w.Element(0, "b");
        w.Observe(0, "a", 400);
        w.Current().Should().Be(100, "b writes again, so it counts from its last watermark (the reader never declares a watermark lower than one it declared)");
        w.Observe(0, "b", 350);
        w.Current().Should().Be(350);
    }

    [Fact]
    public void APartitionWhoseWritersAreAllIdle_DoesNotCount()
    {
        var w = Create(0, 1);
        w.Observe(0, "a", 100, idle: true);
        w.Observe(1, "a", 200);
        w.Current().Should().Be(200);
    }
}
