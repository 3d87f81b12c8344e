using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class CountTests
{
    [Fact]
    public async Task Count_CountsElementsPerKeyAndWindow()
    {
        var events = new[] { Ev.At("a", 1), Ev.At("b", 2), Ev.At("a", 3), Ev.At("a", 61), Ev.At("b", 62), Ev.At("b", 63) };

        var results = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count());

        var expected = events
            .GroupBy(e => (e.Key, Minute: (int)(e.Time - Ev.T0).TotalMinutes))
            .Select(g => (g.Key.Key, Ev.T0.AddMinutes(g.Key.Minute), Ev.T0.AddMinutes(g.Key.Minute + 1), (long)g.Count()));
        results.Flat().Should().Equal(expected);
    }

    [Fact]
    public async Task Count_ShortcutAndAggregationsCount_GiveTheSameResults()
    {
        var events = Enumerable.Range(0, 200).Select(i => Ev.At("k" + (i % 7), i * 3.3)).ToArray();
        var windows = Windows.Sliding(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(30));

        var shortcut = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(windows).Count());
        var explicitCount = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(windows).Aggregate(Aggregations.Count<Ev>()));

        explicitCount.Should().Equal(shortcut);
        shortcut.Sum(r => r.Value).Should().Be(200 * 4);
    }
}
