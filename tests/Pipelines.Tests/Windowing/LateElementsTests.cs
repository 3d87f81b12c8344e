using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

public class LateElementsTests
{
    [Fact]
    public async Task LateElements_BoundedRun_NothingIsLate_EvenInReverseTimeOrder()
    {
        // Descending event times, a day apart, with zero out-of-orderness and zero allowed lateness: a streaming
        // run would call all but the first late; the bounded run keeps the watermark at -inf until the end.
        var events = Enumerable.Range(0, 20).Select(i => Ev.At("k", (20 - i) * 86_400.0, 1)).ToArray();
        var results = new List<WindowResult<string, long>>();
        var late = new List<Ev>();
        var p = new PipelineBuilder();
        var counts = p.From(Sources.Enumerable(events))
            .WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count();
        counts.To(Sinks.Collection(results));
        counts.LateElements().To(Sinks.Collection(late));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 1 }).RunAsync(p.Build());

        late.Should().BeEmpty();
        summary.LateElementsDropped.Should().Be(0);
        results.Should().HaveCount(20).And.OnlyContain(r => r.Value == 1 && r.Timing == PaneTiming.OnTime);
    }

    [Fact]
    public async Task LateElements_OnlyConnectedStream_StillRunsTheWindow()
    {
        // The window's results go nowhere; its late output is the only sink. The run must still work (and be empty).
        var late = new List<Ev>();
        var p = new PipelineBuilder();
        p.Events(Ev.At("k", 5), Ev.At("k", 1))
            .KeyBy(e => e.Key)
            .Window(Windows.Session(TimeSpan.FromSeconds(1)))
            .Count()
            .LateElements()
            .To(Sinks.Collection(late));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        late.Should().BeEmpty();
        summary.ElementsRead.Should().Be(2);
    }

    [Fact]
    public void LateElements_HasTheAggregatedElementType_AndEventTime()
    {
        var p = new PipelineBuilder();
        var late = p.Events(Ev.At("k", 0)).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(1))).Count().LateElements();

        late.Should().BeOfType<DataStream<Ev>>();
        late.HasEventTime.Should().BeTrue();
    }
}
