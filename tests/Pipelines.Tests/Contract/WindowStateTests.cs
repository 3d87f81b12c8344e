namespace Pipelines.Tests.Contract;

/// <summary>Window state under input orders that exercise its lookup paths (in order, reversed, shuffled across many windows).</summary>
public class WindowStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Hit(int Key, DateTimeOffset Time);

    private static List<Hit> Hits(int count, int keys, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new Hit(random.Next(keys), T0.AddMilliseconds(random.Next(0, 600_000)))).ToList();
    }

    private static DateTimeOffset Floor(DateTimeOffset t, TimeSpan size) => t.AddTicks(-((t - DateTimeOffset.UnixEpoch).Ticks % size.Ticks));

    [Theory]
    [InlineData("shuffled")]
    [InlineData("ascending")]
    [InlineData("descending")]
    public async Task Tumbling_AnyOrderAcrossHundredsOfWindowsPerKey_MatchesLinq(string order)
    {
        var hits = Hits(20_000, 3, seed: 11);
        if (order == "ascending") hits = [.. hits.OrderBy(h => h.Time)];
        if (order == "descending") hits = [.. hits.OrderByDescending(h => h.Time)];
        var size = TimeSpan.FromSeconds(1);
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(hits)).WithEventTime(h => h.Time, Watermarks.Monotonic())
            .KeyBy(h => h.Key).Window(Windows.Tumbling(size)).Count().To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());

        var expected = hits.GroupBy(h => (h.Key, Floor(h.Time, size))).ToDictionary(g => (g.Key.Key, new Window(g.Key.Item2, g.Key.Item2 + size)), g => (long)g.Count());
        results.Should().HaveCount(expected.Count);
        results.ToDictionary(r => (r.Key, r.Window), r => r.Value).Should().BeEquivalentTo(expected);
        results.Select(r => r.Window).Should().BeInAscendingOrder("bounded results come in order of window end");
    }

    [Fact]
    public async Task Sliding_ShuffledAcrossManyWindows_CountsEveryElementInEachOfItsWindows()
    {
        var hits = Hits(5_000, 2, seed: 12);
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(hits)).WithEventTime(h => h.Time, Watermarks.Monotonic())
            .KeyBy(h => h.Key).Window(Windows.Sliding(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1))).Count().To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());

        var expected = new Dictionary<(int, Window), long>();
        foreach (var h in hits)
        {
            var last = Floor(h.Time, TimeSpan.FromSeconds(1));
            for (int i = 0; i < 3; i++)
            {
                var start = last.AddSeconds(-i);
                var key = (h.Key, new Window(start, start.AddSeconds(3)));
                expected[key] = expected.GetValueOrDefault(key) + 1;
            }
        }

        results.ToDictionary(r => (r.Key, r.Window), r => r.Value).Should().BeEquivalentTo(expected);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IntegerKeys_SmallNegativeAndHuge_AreAllCountedSeparately(bool streaming)
    {
        int[] keys = [0, 1, 7, -1, -1_000_000, 1 << 20, (1 << 20) - 1, int.MaxValue, int.MinValue];
        var hits = Enumerable.Range(0, 5_000).Select(i => new Hit(keys[i % keys.Length], T0.AddMilliseconds(i * 37))).ToList();
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(hits)).WithEventTime(h => h.Time, Watermarks.Monotonic())
            .KeyBy(h => h.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Count().To(Sinks.Collection(results));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 64 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());

        var size = TimeSpan.FromSeconds(10);
        var expected = hits.GroupBy(h => (h.Key, Floor(h.Time, size))).ToDictionary(g => (g.Key.Key, new Window(g.Key.Item2, g.Key.Item2 + size)), g => (long)g.Count());
        results.ToDictionary(r => (r.Key, r.Window), r => r.Value).Should().BeEquivalentTo(expected);
    }
}
