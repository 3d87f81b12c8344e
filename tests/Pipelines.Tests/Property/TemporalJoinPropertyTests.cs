using CsCheck;

namespace Pipelines.Tests.Property;

/// <summary>
/// A temporal join's promise: for generated orders and changelogs whose disorder stays within the watermark bound,
/// the streaming executor gives exactly the bounded executor's results — and both give, for every element, the row
/// of the last change of its key at or before its time (the last to arrive among changes at the same time), whatever
/// the parallelism, channel capacity and batch size.
/// </summary>
public class TemporalJoinPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    public sealed record Order(int Id, int Key, DateTimeOffset Time)
    {
        public override string ToString() => $"#{Id} k{Key}@{(Time - T0).TotalMilliseconds}ms";
    }

    public sealed record Scenario(bool Left, Order[] Orders, Change<int, string>[] Changes, UnifiedResultsPropertyTests.Settings Settings)
    {
        public override string ToString() =>
            $"{(Left ? "left" : "inner")} {Settings} orders[{Orders.Length}]={string.Join(' ', Orders.Take(40))} " +
            $"changes[{Changes.Length}]={string.Join(' ', Changes.Take(40).Select(c => $"{c.Kind} k{c.Key}={c.Row}@{(c.Time - T0).TotalMilliseconds}ms"))}";
    }

    /// <summary>Arrival delays, often at the extremes: exactly on time, or exactly the bound late.</summary>
    private static readonly Gen<int> Delays = Gen.Frequency(
        (2, Gen.Const(0)),
        (2, Gen.Const((int)Bound.TotalMilliseconds)),
        (3, Gen.Int[0, (int)Bound.TotalMilliseconds]));

    /// <summary>Items in time order with random gaps (including ties), then reordered by arrival t + delay, delay in [0, bound].</summary>
    private static Gen<T[]> InArrivalOrder<T>(Gen<Func<int, DateTimeOffset, T>> make, int maxGap) =>
        Gen.Select(make, Gen.Int[0, maxGap], Delays)
            .Array[0, 100]
            .Select(raw =>
            {
                var time = T0;
                var arrivals = new List<(T Item, DateTimeOffset Arrival, int Index)>();
                for (int i = 0; i < raw.Length; i++)
                {
                    var (create, gap, delay) = raw[i];
                    time = time.AddMilliseconds(gap);
                    arrivals.Add((create(i, time), time.AddMilliseconds(delay), i));
                }

                return arrivals.OrderBy(a => a.Arrival).ThenBy(a => a.Index).Select(a => a.Item).ToArray();
            });

    private static Gen<Order[]> Orders(int keys) =>
        InArrivalOrder(Gen.Int[0, keys - 1].Select(k => (Func<int, DateTimeOffset, Order>)((i, t) => new Order(i, k, t))), 800);

    private static Gen<Change<int, string>[]> Changes(int keys) =>
        InArrivalOrder(
            Gen.Select(Gen.Int[0, keys - 1], Gen.Frequency((3, Gen.Const(ChangeKind.Insert)), (3, Gen.Const(ChangeKind.Update)), (1, Gen.Const(ChangeKind.Delete))))
                .Select(x => (Func<int, DateTimeOffset, Change<int, string>>)((i, t) => new Change<int, string>(x.Item2, x.Item1, x.Item2 == ChangeKind.Delete ? null : $"r{i}", t))),
            1500);

    private static readonly Gen<Scenario> Scenarios =
        from left in Gen.Bool
        from keys in Gen.Int[1, 4]
        from orders in Orders(keys)
        from changes in Changes(keys)
        from parallelism in Gen.Int[1, 4]
        from capacity in Gen.Int[1, 64]
        from batch in Gen.OneOf(Gen.Int[1, 8], Gen.Int[1, 1024])
        from watermarkEveryBatch in Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false)))
        from chainSinks in Gen.Bool
        select new Scenario(left, orders, changes, new UnifiedResultsPropertyTests.Settings(parallelism, capacity, batch, watermarkEveryBatch, chainSinks));

    [Fact]
    public async Task StreamingResults_EqualBoundedResults_AndTheRowValidAtEachElementsTime()
    {
        await Scenarios.SampleAsync(async scenario =>
        {
            var expected = Expected(scenario);
            var bounded = await RunAsync(scenario, streaming: false);
            var streaming = await RunAsync(scenario, streaming: true);
            streaming.Late.Should().Be(0, "no element is later than the watermark bound");
            bounded.Results.Should().BeEquivalentTo(expected, $"bounded must give the rows valid at each time for {scenario}");
            streaming.Results.Should().BeEquivalentTo(bounded.Results, $"streaming must equal bounded for {scenario}");
        }, iter: 100, threads: 1);
    }

    /// <summary>The oracle: the last change of the key at or before the order's time; among equal times, the last to arrive.</summary>
    private static List<string> Expected(Scenario scenario)
    {
        var results = new List<string>();
        foreach (var order in scenario.Orders)
        {
            Change<int, string>? valid = null;
            foreach (var change in scenario.Changes)
            {
                if (change.Key == order.Key && change.Time <= order.Time && (valid is null || change.Time >= valid.Value.Time)) valid = change;
            }

            string? row = valid is { IsDelete: false } v ? v.Row : null;
            if (row is not null || scenario.Left) results.Add(Format(order, row));
        }

        return results;
    }

    private static string Format(Order order, string? row) => $"{order}:{row ?? "none"}";

    private static async Task<(List<string> Results, long Late)> RunAsync(Scenario scenario, bool streaming)
    {
        var results = new List<string>();
        var p = new PipelineBuilder();
        var strategy = Watermarks.BoundedOutOfOrderness(Bound);
        var orders = p.From(Sources.Enumerable(scenario.Orders, "orders")).WithEventTime(o => o.Time, strategy);
        var table = p.From(Sources.Enumerable(scenario.Changes, "changes")).WithEventTime(c => c.Time, strategy).ToTable();
        var joined = scenario.Left
            ? orders.LeftTemporalJoin(table, o => o.Key, Format)
            : orders.TemporalJoin(table, o => o.Key, (o, row) => Format(o, row));
        joined.To(Sinks.Collection(results));

        RunSummary summary = streaming
            ? await new StreamingExecutor(scenario.Settings.ToOptions()).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60))
            : await new BoundedExecutor().RunAsync(p.Build());
        return (results, summary.LateElementsDropped);
    }
}
