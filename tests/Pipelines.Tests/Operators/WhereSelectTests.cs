using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

public class WhereSelectTests
{
    private static readonly int[] Numbers = [5, -3, 12, 0, 7, 8, -1, 42, 3];

    [Fact]
    public async Task Where_KeepsOnlyMatchingElements_InInputOrder()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(Numbers)).Where(x => x % 2 == 0));

        results.Should().Equal(12, 0, 8, 42);
    }

    [Fact]
    public async Task Where_NothingMatches_SinkReceivesNothing()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(Numbers)).Where(x => x > 1000));

        results.Should().BeEmpty();
    }

    [Fact]
    public async Task Select_MapsEveryElement_InInputOrder()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(Numbers)).Select(x => $"<{x}>"));

        results.Should().Equal(Numbers.Select(x => $"<{x}>"));
    }

    [Fact]
    public async Task WhereThenSelect_FilterAppliesBeforeMapping()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(Numbers)).Where(x => x > 0).Select(x => x * 10));

        results.Should().Equal(50, 120, 70, 80, 420, 30);
    }

    [Fact]
    public async Task SelectThenWhere_FilterSeesMappedValues()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(Numbers)).Select(x => x * x).Where(x => x > 40));

        results.Should().Equal(144, 49, 64, 1764);
    }

    [Fact]
    public async Task ChainedWheres_ActAsConjunction()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(Numbers)).Where(x => x > 0).Where(x => x % 2 == 1));

        results.Should().Equal(5, 7, 3);
    }

    [Fact]
    public async Task QuerySyntax_WhereSelect_MatchesLinqToObjects()
    {
        var results = await BoundedRun.CollectAsync(p =>
            from x in p.From(Sources.Enumerable(Numbers))
            where x >= 3
            select x + 0.5);

        results.Should().Equal(5.5, 12.5, 7.5, 8.5, 42.5, 3.5);
    }

    [Fact]
    public async Task QuerySyntax_Let_IsCarriedToSelect()
    {
        var results = await BoundedRun.CollectAsync(p =>
            from x in p.From(Sources.Enumerable(Numbers))
            let square = x * x
            where square < 10
            select $"{x}:{square}");

        results.Should().Equal("-3:9", "0:0", "-1:1", "3:9");
    }

    [Fact]
    public async Task Select_KeepsEventTime_SoDownstreamWindowsUseTheOriginalTimes()
    {
        // Mapping drops the timestamp field from the value; the window must still see the original event time.
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 10), Ev.At("a", 70), Ev.At("a", 75))
            .Select(e => e.Key.ToUpperInvariant())
            .KeyBy(k => k)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count());

        results.Flat().Should().Equal(
            ("A", Ev.T0, Ev.T0.AddMinutes(1), 1L),
            ("A", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 2L));
    }

    [Fact]
    public async Task WhereSelect_LargerThanOneBatch_ProcessesEveryElement()
    {
        var input = Enumerable.Range(0, 10_000).ToList();

        var results = await BoundedRun.CollectAsync(
            p => p.From(Sources.Enumerable(input)).Where(x => x % 3 == 0).Select(x => (long)x * 2),
            new BoundedExecutorOptions { BatchSize = 7 });

        results.Should().Equal(input.Where(x => x % 3 == 0).Select(x => (long)x * 2));
    }
}
