using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>
/// Partitions a group assigns to a reader that is already leaving are handed back unread: the reader's metrics never
/// show them (no lag, no committed offset, no records-read series), and their revocation takes nothing back.
/// </summary>
public class AssignedWhileStoppingTests
{
    private static readonly TopicPartition P2 = new("t", 2);

    private static GroupMembership<string, string> Group() => new(
        new KafkaSourceOptions<string, string> { BootstrapServers = "unused:9092", GroupId = "g", Topics = ["t"] },
        "source", NullLogger.Instance, new OffsetTracker());

    [Fact]
    public void AGroupThatIsLeaving_SaysItsNewPartitionsAreNotRead()
    {
        var running = Group();
        running.OnAssigned(null!, [P2], out bool read).Should().ContainSingle();
        read.Should().BeTrue();

        var leaving = Group();
        leaving.StartLeaving(Stopwatch.GetTimestamp());
        leaving.OnAssigned(null!, [P2], out read).Should().ContainSingle();
        read.Should().BeFalse("a reader that is leaving the group hands these partitions back without reading them");
    }

    [Fact]
    public void APartitionHasABacklog_WhileItsHighWatermarkIsPastWhatWasHandedOut()
    {
        var metrics = new KafkaPartitionMetrics($"s-{Guid.NewGuid():N}", "g");
        metrics.Attach(_ => new WatermarkOffsets(0, 10));
        metrics.HasBacklog("t", 2).Should().BeFalse("not assigned");

        metrics.Assigned([new TopicPartitionOffset(P2, 5)]);
        metrics.HasBacklog("t", 2).Should().BeTrue("records 5 to 9 are not read yet");
        metrics.Read("t", 2, 9);
        metrics.HasBacklog("t", 2).Should().BeFalse("everything up to the high watermark was handed out");
        metrics.Detach();
        metrics.HasBacklog("t", 2).Should().BeFalse("a detached reader tells nothing");
    }

    [Fact]
    public void ARevocationOfAPartitionNeverReported_CreatesNoSeries()
    {
        string source = $"s-{Guid.NewGuid():N}";
        using var probe = new PartitionMetricsProbe(source);
        var metrics = new KafkaPartitionMetrics(source, "g");
        metrics.Attach(_ => new WatermarkOffsets(0, 10));

        metrics.Revoked([new TopicPartitionOffset(P2, Offset.Unset)], lost: false);

        probe.Read().Should().BeEmpty("no record of partition 2 was ever read here");
        probe.Revoked.Should().Be(0, "partition 2 was never assigned here");
        metrics.Detach();
    }
}
