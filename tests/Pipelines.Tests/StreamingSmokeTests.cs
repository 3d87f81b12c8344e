namespace Pipelines.Tests;

public class StreamingSmokeTests
{
    private sealed record Click(string Page, DateTimeOffset Time);

    [Fact]
    public async Task Streaming_TumblingCount_MatchesBounded()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var rnd = new Random(1);
        var clicks = Enumerable.Range(0, 100_000).Select(i => new Click("p" + rnd.Next(50), t0.AddMilliseconds(i * 10 + rnd.Next(0, 2000)))).ToList();
        async Task<List<WindowResult<string, long>>> Run(bool streaming)
        {
            var results = new List<WindowResult<string, long>>();
            var p = new PipelineBuilder();
            p.From(Sources.Enumerable(clicks))
                .WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
                .KeyBy(c => c.Page)
                .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
                .Count()
                .To(Sinks.Collection(results));
            if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build());
            else await new BoundedExecutor().RunAsync(p.Build());
            return results;
        }

        var batch = await Run(false);
        var stream = await Run(true);
        batch.Sum(r => r.Value).Should().Be(100_000);
        stream.Should().BeEquivalentTo(batch);
    }
}
