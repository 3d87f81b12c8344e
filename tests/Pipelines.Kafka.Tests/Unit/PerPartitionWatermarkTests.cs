using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Kafka.Tests.Unit;

public class PerPartitionWatermarkTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(T0);

    private PerPartitionWatermarkGenerator Create() => new(Bound, Idle, _clock);

    private static KafkaRecord<string, string> Rec(int partition, string topic = "t") => new(topic, partition, 0, "k", "v", T0, []);

    private static DateTimeOffset Expected(DateTimeOffset newest) => newest - Bound - TimeSpan.FromTicks(1);

    [Fact]
    public void NoRecords_NoWatermark()
    {
        _clock.Advance(TimeSpan.FromMinutes(1));
        Create().CurrentWatermark.Should().BeNull();
    }

    [Fact]
    public void FirstIdleTimeoutAfterTheFirstRecord_HoldsTheWatermark_SoLatePartitionsCanReport()
    {
        var g = Create();
        g.OnEvent(Rec(0), T0.AddMinutes(10));
        _clock.Advance(Idle - TimeSpan.FromTicks(1));
        g.CurrentWatermark.Should().BeNull();

        g.OnEvent(Rec(1), T0.AddMinutes(1));
        _clock.Advance(TimeSpan.FromTicks(1));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(1)), "partition 1 reported within the hold and is behind");
    }

    [Fact]
    public void Watermark_IsTheMinimumOverPartitions_OfEachPartitionsNewestEventTime()
    {
        var g = Create();
        g.OnEvent(Rec(0), T0.AddMinutes(3));
        g.OnEvent(Rec(0), T0.AddMinutes(1));
        g.OnEvent(Rec(1), T0.AddMinutes(2));
        g.OnEvent(Rec(2), T0.AddMinutes(7));
        _clock.Advance(Idle);
        foreach (int partition in new[] { 0, 1, 2 }) g.OnEvent(Rec(partition), T0);

        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(2)));
    }

    [Fact]
    public void SamePartitionNumber_InAnotherTopic_IsAnotherPartition()
    {
        var g = Create();
        g.OnEvent(Rec(0, "a"), T0.AddMinutes(5));
        g.OnEvent(Rec(0, "b"), T0.AddMinutes(1));
        _clock.Advance(Idle);
        g.OnEvent(Rec(0, "a"), T0);
        g.OnEvent(Rec(0, "b"), T0);

        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(1)));
    }

    [Fact]
    public void IdlePartition_StopsHoldingTheWatermarkBack_AndRejoinsWithItsNextRecord()
    {
        var g = Create();
        g.OnEvent(Rec(0), T0.AddMinutes(1));
        g.OnEvent(Rec(1), T0.AddMinutes(9));
        _clock.Advance(Idle / 2);
        g.OnEvent(Rec(1), T0.AddMinutes(10));
        _clock.Advance(Idle / 2);
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(10)), "partition 0 has been silent for the idle timeout");

        g.OnEvent(Rec(0), T0.AddMinutes(2));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(2)), "partition 0 is active again (the core never lets a watermark go back)");
    }

    [Fact]
    public void AllPartitionsIdle_WatermarkIsTheFurthest()
    {
        var g = Create();
        g.OnEvent(Rec(0), T0.AddMinutes(1));
        g.OnEvent(Rec(1), T0.AddMinutes(4));
        _clock.Advance(Idle * 2);

        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(4)));
    }

    [Fact]
    public async Task WorksOnAnyKafkaRecordType_ThroughTheStrategy()
    {
        var p = new PipelineBuilder();
        var seen = new List<long>();
        p.From(Sources.Enumerable(new[] { new KafkaRecord<int, double>("t", 0, 0, 1, 2.5, T0, []) }))
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(Bound, Idle))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Action<WindowResult<int, long>>(r => seen.Add(r.Value)));

        await new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(20));

        seen.Should().Equal(1);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(0, -1)]
    public void InvalidArguments_AreRejected(int boundSeconds, int idleSeconds)
    {
        var act = () => KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(boundSeconds), TimeSpan.FromSeconds(idleSeconds));
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void InfiniteIdleTimeout_IsRejected()
    {
        var act = () => KafkaWatermarks.PerPartition(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*stall*");
    }

    private static KafkaRecord<string, string> Assigned(int partition, PartitionAssignment assignment) =>
        new("t", partition, 0, "k", "v", T0, []) { Assignment = assignment };

    private static PartitionAssignment Owning(params int[] partitions) => new([.. partitions.Select(p => ("t", p))]);

    [Fact]
    public void APartitionNewlyAssigned_HoldsTheWatermark_UntilItsFirstRecord_EvenWhenTheOthersReportFirst()
    {
        var g = Create();
        var before = Owning(0, 1);
        g.OnEvent(Assigned(0, before), T0.AddMinutes(1));
        g.OnEvent(Assigned(1, before), T0.AddMinutes(1));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(1)), "the reader's assignment is known: no wait for partitions to report");

        _clock.Advance(Idle + Idle); // a quiet time: every partition is idle
        var after = Owning(0, 1, 2);
        g.OnEvent(Assigned(0, after), T0.AddDays(1));
        g.CurrentWatermark.Should().BeNull("partition 2 was assigned and may still deliver older records");

        g.OnEvent(Assigned(2, after), T0.AddMinutes(30));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(30)), "partition 1 is idle; partitions 0 and 2 report");
    }

    [Fact]
    public void APartitionNewlyAssigned_WithoutRecords_StopsHoldingTheWatermark_AfterTheIdleTimeout()
    {
        var g = Create();
        var assignment = Owning(0, 1);
        g.OnEvent(Assigned(0, assignment), T0.AddMinutes(5));
        g.CurrentWatermark.Should().BeNull();

        _clock.Advance(Idle);
        g.OnEvent(Assigned(0, assignment), T0.AddMinutes(6));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(6)));
    }

    [Fact]
    public void APartitionWithRecordsNotReadYet_IsBehindNotIdle_AfterTheSourceWasHeldBack()
    {
        // A slow sink holds the source back longer than the idle timeout; then the first records come from one
        // partition. Partition 1 still has records (its reader knows the high watermark): it is behind, not idle.
        var behind = new HashSet<int> { 1 };
        var assignment = new PartitionAssignment([("t", 0), ("t", 1)], (_, partition) => behind.Contains(partition));
        var g = Create();
        g.OnEvent(Assigned(0, assignment), T0.AddMinutes(1));
        g.OnEvent(Assigned(1, assignment), T0.AddMinutes(1));
        _clock.Advance(Idle * 3);
        g.OnEvent(Assigned(0, assignment), T0.AddMinutes(30));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(1)), "partition 1's unread records may be as old as its last one");

        behind.Clear();
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(30)), "caught up and silent for the idle timeout, partition 1 is idle");
    }

    [Fact]
    public void ARevokedPartition_NoLongerCounts()
    {
        var g = Create();
        var both = Owning(0, 1);
        g.OnEvent(Assigned(0, both), T0.AddMinutes(5));
        g.OnEvent(Assigned(1, both), T0.AddMinutes(1));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(1)));

        g.OnEvent(Assigned(0, Owning(0)), T0.AddMinutes(6));
        g.CurrentWatermark.Should().Be(Expected(T0.AddMinutes(6)), "partition 1 went to another instance");
    }

    [Fact]
    public void RecordsReadAgain_AreEqual_WhateverTheAssignmentWhenTheyWereRead()
    {
        Assigned(0, Owning(0)).Should().Be(Assigned(0, Owning(0, 1)));
    }
}
