namespace Pipelines.Tests;

public class SmokeTests
{
    private sealed record Click(string Page, DateTimeOffset Time);

    [Fact]
    public async Task Bounded_TumblingCount_CountsPerPagePerMinute()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clicks = new[]
        {
            new Click("a", t0), new Click("a", t0.AddSeconds(30)), new Click("b", t0.AddSeconds(10)),
            new Click("a", t0.AddMinutes(1)),
        };
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(clicks))
            .WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
            .KeyBy(c => c.Page)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());
        results.Select(r => (r.Key, r.Window.Start, r.Value)).Should().Equal(
            ("a", t0, 2L), ("b", t0, 1L), ("a", t0.AddMinutes(1), 1L));
    }
}
