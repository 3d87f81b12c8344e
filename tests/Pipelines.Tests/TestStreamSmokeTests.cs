using Pipelines.Testing;

namespace Pipelines.Tests;

public class TestStreamSmokeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Streaming_LateWithinLateness_EmitsLatePane_BeyondLateness_GoesToLateOutput()
    {
        var script = new TestStream<string>()
            .Add(T0.AddSeconds(1), "a", "a")
            .AdvanceWatermarkTo(T0.AddMinutes(1))
            .Add(T0.AddSeconds(2), "a")
            .AdvanceWatermarkTo(T0.AddMinutes(3))
            .Add(T0.AddSeconds(3), "a");
        var results = new List<WindowResult<string, long>>();
        var late = new List<string>();
        var p = new PipelineBuilder();
        var counts = p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).AllowedLateness(TimeSpan.FromMinutes(1)).Count();
        counts.To(Sinks.Collection(results));
        counts.LateElements().To(Sinks.Collection(late));
        var summary = await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(p.Build());
        results.Select(r => (r.Value, r.Timing, r.PaneIndex)).Should().Equal((2L, PaneTiming.OnTime, 0), (3L, PaneTiming.Late, 1));
        late.Should().Equal("a");
        summary.LateElementsDropped.Should().Be(1);
    }

    [Fact]
    public async Task Streaming_EarlyResultsByProcessingTime_FollowTheScript()
    {
        var script = new TestStream<string>();
        script.Add(T0.AddSeconds(1), "a", "a")
            .AdvanceProcessingTime(TimeSpan.FromSeconds(10))
            .Add(T0.AddSeconds(2), "a")
            .AdvanceProcessingTime(TimeSpan.FromSeconds(10));
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).EarlyResults(TimeSpan.FromSeconds(5)).Count().To(Sinks.Collection(results));
        await new StreamingExecutor(new StreamingOptions { Parallelism = 2, TimeProvider = script.Clock, IdleTimeout = Timeout.InfiniteTimeSpan }).RunAsync(p.Build());
        results.Select(r => (r.Value, r.Timing)).Should().Equal((2L, PaneTiming.Early), (3L, PaneTiming.Early), (3L, PaneTiming.OnTime));
    }
}
