using Pipelines;

namespace Pipelines.Readme.Tests.Snippets;

/// <summary>The README's tour: one definition run on both executors, each run into its own collection.</summary>
public class TourTests
{
    [Fact]
    public async Task Tour_PrintsWhatTheReadmeSays()
    {
        var ct = CancellationToken.None;
        using (var console = new ConsoleCapture())
        {
            #region README: tour
            // Ten minutes of clicks on three pages, one a second; every fourth is a purchase, the rest are views.
            var t0 = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
            Click[] clicks = [.. Enumerable.Range(0, 600).Select(i => new Click(t0.AddSeconds(i), $"/page/{i % 3}", i % 4 == 0 ? "buy" : "view"))];

            // A Pipeline is a definition. Build it from what each run writes to, so every run has its own results.
            Pipeline ViewsPerMinute(ICollection<WindowResult<string, long>> results)
            {
                var p = new PipelineBuilder();
                var views = p.From(Sources.Enumerable(clicks))        // or Sources.Channel(reader), Sources.AsyncEnumerable(seq)
                    .WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
                    .Where(c => c.Kind == "view")
                    .KeyBy(c => c.Page)
                    .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
                    .AllowedLateness(TimeSpan.FromMinutes(1))
                    .Count();                                          // DataStream<WindowResult<string, long>>
                views.To(Sinks.Collection(results));
                views.LateElements().To(Sinks.Action<Click>(c => Console.WriteLine($"too late: {c}")));
                return p.Build();                                      // validates the graph, with errors that say what to fix
            }

            var batch = new List<WindowResult<string, long>>();
            var live = new List<WindowResult<string, long>>();
            RunSummary b = await new BoundedExecutor().RunAsync(ViewsPerMinute(batch), ct);
            RunSummary s = await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(ViewsPerMinute(live), ct);
            Console.WriteLine($"batch:     {b.ElementsRead} clicks, {batch.Count} (page, minute) counts, {batch.Sum(r => r.Value)} views");
            Console.WriteLine($"streaming: {s.ElementsRead} clicks, {live.Count} (page, minute) counts, {live.Sum(r => r.Value)} views");
            // prints:
            //   batch:     600 clicks, 30 (page, minute) counts, 450 views
            //   streaming: 600 clicks, 30 (page, minute) counts, 450 views
            #endregion

            console.Lines.Should().Equal(Readme.ExpectedOutput(Readme.BlockOf("tour")));
            live.Select(r => (r.Key, r.Window.Start, r.Value)).Order().Should().Equal(batch.Select(r => (r.Key, r.Window.Start, r.Value)).Order());
            batch.Should().OnlyContain(r => r.Value == 15 && r.Timing == PaneTiming.OnTime);
        }
    }
}

#region README: tour
record Click(DateTimeOffset Time, string Page, string Kind);
#endregion
