using CsCheck;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class FirstLastTests
{
    private static readonly WindowAssigner Minute = Windows.Tumbling(TimeSpan.FromMinutes(1));

    [Fact]
    public async Task First_IsTheElementWithTheEarliestEventTime_NotTheFirstToArrive()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 30, 1), Ev.At("a", 10, 2), Ev.At("a", 50, 3))
            .KeyBy(e => e.Key).Window(Minute).Aggregate(Aggregations.First<Ev>()));

        results.Should().ContainSingle().Which.Value.Should().Be(Ev.At("a", 10, 2));
    }

    [Fact]
    public async Task Last_IsTheElementWithTheLatestEventTime_NotTheLastToArrive()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 30, 1), Ev.At("a", 50, 2), Ev.At("a", 10, 3))
            .KeyBy(e => e.Key).Window(Minute).Aggregate(Aggregations.Last<Ev>()));

        results.Should().ContainSingle().Which.Value.Should().Be(Ev.At("a", 50, 2));
    }

    [Fact]
    public async Task FirstAndLast_TiedEventTimes_KeepTheElementThatArrivedFirst()
    {
        var events = new[] { Ev.At("a", 5, 1), Ev.At("a", 5, 2), Ev.At("a", 5, 3) };

        var first = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(Minute).Aggregate(Aggregations.First<Ev>()));
        var last = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(Minute).Aggregate(Aggregations.Last<Ev>()));

        first.Should().ContainSingle().Which.Value.Value.Should().Be(1);
        last.Should().ContainSingle().Which.Value.Value.Should().Be(1);
    }

    [Fact]
    public async Task FirstAndLast_PerKeyAndWindow_MatchLinqOverEventTimes()
    {
        var gen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 180], Gen.Int[0, 1000]).Array[1, 40];

        await gen.SampleAsync(async raw =>
        {
            var events = raw.Select(x => Ev.At("k" + x.Item1, x.Item2, x.Item3)).ToArray();

            var first = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(Minute).Aggregate(Aggregations.First<Ev>()));
            var last = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(Minute).Aggregate(Aggregations.Last<Ev>()));

            var groups = events.Select((e, i) => (e, i)).GroupBy(x => (x.e.Key, Minute: (int)(x.e.Time - Ev.T0).TotalMinutes)).ToList();
            first.Select(r => (r.Key, r.Window.Start, r.Value)).Should().BeEquivalentTo(groups.Select(g =>
                (g.Key.Key, Ev.T0.AddMinutes(g.Key.Minute), g.OrderBy(x => x.e.Time).ThenBy(x => x.i).First().e)));
            last.Select(r => (r.Key, r.Window.Start, r.Value)).Should().BeEquivalentTo(groups.Select(g =>
                (g.Key.Key, Ev.T0.AddMinutes(g.Key.Minute), g.OrderByDescending(x => x.e.Time).ThenBy(x => x.i).First().e)));
        }, iter: 100, threads: 1);
    }

    [Fact]
    public async Task FirstAndLast_InMergedSessions_UseEventTimesAcrossTheMergedParts()
    {
        // Sessions [10, 20) and [25, 35) merge through 18 -> [18, 28); the earliest is at 10, the latest at 25.
        var events = new[] { Ev.At("a", 25, 1), Ev.At("a", 10, 2), Ev.At("a", 18, 3) };
        var sessions = Windows.Session(TimeSpan.FromSeconds(10));

        var first = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(sessions).Aggregate(Aggregations.First<Ev>()));
        var last = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(sessions).Aggregate(Aggregations.Last<Ev>()));

        first.Should().ContainSingle().Which.Value.Should().Be(events[1]);
        last.Should().ContainSingle().Which.Value.Should().Be(events[0]);
    }
}
