using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class MinMaxTests
{
    private static readonly Ev[] Events =
    [
        Ev.At("a", 1, 5), Ev.At("b", 2, -7), Ev.At("a", 3, -2), Ev.At("a", 4, 9), Ev.At("b", 5, 0), Ev.At("a", 70, 1),
    ];

    private static WindowedStream<Ev, string> Windowed(PipelineBuilder p) =>
        p.Events(Events).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1)));

    [Fact]
    public async Task Min_IsTheSmallestProjectionPerKeyAndWindow()
    {
        var results = await BoundedRun.CollectAsync(p => Windowed(p).Min(e => e.Value));

        results.Select(r => (r.Key, r.Window.Start, r.Value)).Should().Equal(("a", Ev.T0, -2), ("b", Ev.T0, -7), ("a", Ev.T0.AddMinutes(1), 1));
    }

    [Fact]
    public async Task Max_IsTheLargestProjectionPerKeyAndWindow()
    {
        var results = await BoundedRun.CollectAsync(p => Windowed(p).Max(e => e.Value));

        results.Select(r => (r.Key, r.Window.Start, r.Value)).Should().Equal(("a", Ev.T0, 9), ("b", Ev.T0, 0), ("a", Ev.T0.AddMinutes(1), 1));
    }

    [Fact]
    public async Task MinMax_WorkOnAnyComparable_StringsAndTimes()
    {
        var words = new[] { "pear", "apple", "zucchini", "fig" };

        var min = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(words)).KeyBy(_ => 1).Window(Windows.Global()).Min(w => w));
        var latest = await BoundedRun.CollectAsync(p => Windowed(p).Max(e => e.Time));

        min.Should().ContainSingle().Which.Value.Should().Be(words.Min());
        latest.Select(r => r.Value).Should().Equal(Ev.T0.AddSeconds(4), Ev.T0.AddSeconds(5), Ev.T0.AddSeconds(70));
    }
}
