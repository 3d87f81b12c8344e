using Pipelines.Testing;

namespace Pipelines.Readme.Tests.Snippets;

/// <summary>The README's TestStream example, run: an on-time pane and a late one.</summary>
public class TestStreamTests
{
    [Fact]
    public async Task TestStream_GivesTheOnTimeAndLatePanesTheReadmeNames()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var panes = new List<WindowResult<string, long>>();

        #region README: teststream
        var script = new TestStream<string>()
            .Add(t0.AddSeconds(1), "a", "a")
            .AdvanceWatermarkTo(t0.AddMinutes(1))      // the window [t0, t0+1m) fires: OnTime pane, count 2
            .Add(t0.AddSeconds(2), "a");               // late but within the allowed lateness: Late pane, count 3
        var p = new PipelineBuilder();
        p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
         .AllowedLateness(TimeSpan.FromMinutes(5)).Count().To(Sinks.Collection(panes));
        await new StreamingExecutor(new StreamingOptions { TimeProvider = script.Clock }).RunAsync(p.Build());
        #endregion

        panes.Select(r => (r.Key, r.Window.Start, r.Value, r.Timing)).Should().Equal(("a", t0, 2L, PaneTiming.OnTime), ("a", t0, 3L, PaneTiming.Late));
    }
}
