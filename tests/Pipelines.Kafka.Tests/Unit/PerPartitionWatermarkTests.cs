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
}
