using System.Reactive.Linq;
using Pipelines.Reactive;

namespace Pipelines.Readme.Tests.Snippets;

/// <summary>The README's Rx example, run over a short cold feed: it prints the averages the README shows.</summary>
public class ReactiveTests
{
    [Fact]
    public async Task Reactive_PrintsTheAveragesTheReadmeShows()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        IObservable<Tick> priceFeed = new[] { new Tick("ACME", t0.AddSeconds(1), 10), new Tick("ACME", t0.AddSeconds(4), 12), new Tick("ACME", t0.AddSeconds(12), 20) }.ToObservable();
        var ct = CancellationToken.None;
        var p = new PipelineBuilder();
        using var console = new ConsoleCapture();

        #region README: reactive
        var ticks = priceFeed.ToSource(bufferSize: 1024, OverflowPolicy.DropOldest, name: "prices");
        IObservable<WindowResult<string, double>> averages = p.From(ticks)
            .WithEventTime(t => t.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)))
            .KeyBy(t => t.Symbol).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Average(t => t.Price)
            .ToObservable();
        using var subscription = averages.Subscribe(a => Console.WriteLine(a));
        await new StreamingExecutor().RunAsync(p.Build(), ct);   // ticks.DroppedCount: what the buffer could not hold
        // prints:
        //   ACME [2026-01-01T09:00:00Z, 2026-01-01T09:00:10Z) = 11 (OnTime #0)
        //   ACME [2026-01-01T09:00:10Z, 2026-01-01T09:00:20Z) = 20 (OnTime #0)
        #endregion

        console.Lines.Should().Equal(Readme.ExpectedOutput(Readme.BlockOf("reactive")));
        ticks.DroppedCount.Should().Be(0);
    }

    private sealed record Tick(string Symbol, DateTimeOffset Time, double Price);
}
