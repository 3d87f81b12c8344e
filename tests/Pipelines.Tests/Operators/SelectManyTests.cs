using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

public class SelectManyTests
{
    [Fact]
    public async Task SelectMany_FlattensEachElementsSequence_InOrder()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(new[] { "a b", "", "c", "d e f" }))
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

        results.Should().Equal("a", "b", "c", "d", "e", "f");
    }

    [Fact]
    public async Task SelectMany_EmptySequences_ProduceNothing()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(new[] { 1, 2, 3 })).SelectMany(_ => Array.Empty<int>()));

        results.Should().BeEmpty();
    }

    [Fact]
    public async Task SelectMany_ManyItemsPerElement_CrossBatchBoundaries()
    {
        var results = await BoundedRun.CollectAsync(
            p => p.From(Sources.Enumerable(new[] { 3, 0, 5, 1 })).SelectMany(n => Enumerable.Range(0, n).Select(i => (n, i))),
            new BoundedExecutorOptions { BatchSize = 2 });

        results.Should().Equal((3, 0), (3, 1), (3, 2), (5, 0), (5, 1), (5, 2), (5, 3), (5, 4), (1, 0));
    }

    [Fact]
    public async Task QuerySyntax_TwoFromClauses_PairsEachElementWithEachOfItsItems()
    {
        var orders = new[] { ("o1", new[] { "x", "y" }), ("o2", Array.Empty<string>()), ("o3", new[] { "z" }) };

        var results = await BoundedRun.CollectAsync(p =>
            from order in p.From(Sources.Enumerable(orders))
            from item in order.Item2
            select $"{order.Item1}/{item}");

        results.Should().Equal("o1/x", "o1/y", "o3/z");
    }

    [Fact]
    public async Task QuerySyntax_TwoFromClausesWithWhere_FiltersPairs()
    {
        var results = await BoundedRun.CollectAsync(p =>
            from n in p.From(Sources.Enumerable(new[] { 2, 3, 4 }))
            from d in Enumerable.Range(1, n)
            where n % d == 0
            select (n, d));

        var expected = from n in new[] { 2, 3, 4 } from d in Enumerable.Range(1, n) where n % d == 0 select (n, d);
        results.Should().Equal(expected);
    }

    [Fact]
    public async Task SelectMany_ItemsKeepTheirElementsEventTime()
    {
        // One element at 00:00:59 expands to three items; all must land in the first minute's window.
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 59, 3), Ev.At("a", 60, 1))
            .SelectMany(e => Enumerable.Repeat(e.Key, e.Value))
            .KeyBy(k => k)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count());

        results.Flat().Should().Equal(
            ("a", Ev.T0, Ev.T0.AddMinutes(1), 3L),
            ("a", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 1L));
    }
}
