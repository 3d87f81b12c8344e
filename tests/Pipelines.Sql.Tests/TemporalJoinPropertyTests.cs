using CsCheck;
using Order = Pipelines.Sql.Tests.TemporalJoinTests.Order;
using Customer = Pipelines.Sql.Tests.TemporalJoinTests.Customer;

namespace Pipelines.Sql.Tests;

/// <summary>
/// The unified-results promise for SQL temporal joins: for generated orders and customer changelogs whose disorder
/// stays within the watermark bound, <c>JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt</c> (inner and LEFT) gives on
/// the streaming executor exactly what it gives on the bounded one, which is, for every order, the customer row of
/// the last change of its key at or before the order's time — and the same as the pipeline written with the
/// builder's <c>TemporalJoin</c>.
/// </summary>
public sealed class TemporalJoinPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    public sealed record Settings(int Parallelism, int ChannelCapacity, int BatchSize);

    public sealed record Scenario(bool Left, Order[] Orders, Change<int, Customer>[] Changes, Settings Settings)
    {
        public override string ToString() =>
            $"{(Left ? "left" : "inner")} {Settings} orders[{Orders.Length}]={string.Join(' ', Orders.Take(30).Select(o => $"#{o.Id} k{o.CustomerId}@{(o.PlacedAt - T0).TotalMilliseconds}"))} " +
            $"changes[{Changes.Length}]={string.Join(' ', Changes.Take(30).Select(c => $"{c.Kind} k{c.Key}={c.Row?.Name}@{(c.Time - T0).TotalMilliseconds}"))}";
    }

    /// <summary>Items in time order with random gaps of whole 100 ms (ties included), then reordered by arrival: time plus a delay within the bound.</summary>
    private static Gen<T[]> InArrivalOrder<T>(Gen<Func<int, DateTimeOffset, T>> make, int maxGap) =>
        Gen.Select(make, Gen.Int[0, maxGap], Gen.Frequency((2, Gen.Const(0)), (2, Gen.Const((int)Bound.TotalMilliseconds)), (3, Gen.Int[0, (int)Bound.TotalMilliseconds])))
            .Array[0, 60]
            .Select(raw =>
            {
                var time = T0;
                var arrivals = new List<(T Item, DateTimeOffset Arrival, int Index)>();
                for (int i = 0; i < raw.Length; i++)
                {
                    var (create, gap, delay) = raw[i];
                    time = time.AddMilliseconds(gap * 100); // on a 100 ms grid: orders and changes often share a time
                    arrivals.Add((create(i, time), time.AddMilliseconds(delay), i));
                }
                return arrivals.OrderBy(a => a.Arrival).ThenBy(a => a.Index).Select(a => a.Item).ToArray();
            });

    private static readonly Gen<Scenario> Scenarios =
        from left in Gen.Bool
        from keys in Gen.Int[1, 4]
        from orders in InArrivalOrder(Gen.Int[0, keys - 1].Select(k => (Func<int, DateTimeOffset, Order>)((i, t) => new Order(i, k, i, t))), 6)
        from changes in InArrivalOrder(
            Gen.Select(Gen.Int[0, keys - 1], Gen.Frequency((3, Gen.Const(ChangeKind.Insert)), (3, Gen.Const(ChangeKind.Update)), (1, Gen.Const(ChangeKind.Delete))))
                .Select(x => (Func<int, DateTimeOffset, Change<int, Customer>>)((i, t) =>
                    new Change<int, Customer>(x.Item2, x.Item1, x.Item2 == ChangeKind.Delete ? null : new Customer(x.Item1, $"n{i}", i % 2 == 0 ? "gold" : "silver"), t))),
            10)
        from parallelism in Gen.Int[1, 3]
        from capacity in Gen.Int[1, 32]
        from batch in Gen.OneOf(Gen.Int[1, 4], Gen.Int[1, 256])
        select new Scenario(left, orders, changes, new Settings(parallelism, capacity, batch));

    [Fact]
    public async Task StreamingEqualsBounded_EqualsTheRowValidAtEachTime_EqualsTheBuildersTemporalJoin()
    {
        await Scenarios.SampleAsync(async scenario =>
        {
            var expected = Expected(scenario);
            var bounded = await RunSqlAsync(scenario, streaming: false);
            var streaming = await RunSqlAsync(scenario, streaming: true);
            var builder = await RunBuilderAsync(scenario);
            bounded.Should().BeEquivalentTo(expected, $"bounded SQL must give the rows valid at each time for {scenario}");
            streaming.Should().BeEquivalentTo(bounded, $"streaming SQL must equal bounded SQL for {scenario}");
            builder.Should().BeEquivalentTo(bounded, $"the builder's TemporalJoin must equal SQL for {scenario}");
        }, iter: 40, threads: 1);
    }

    /// <summary>The oracle: the last change of the key at or before the order's time; among equal times, the last to arrive.</summary>
    private static List<string> Expected(Scenario scenario)
    {
        var results = new List<string>();
        foreach (var order in scenario.Orders)
        {
            Change<int, Customer>? valid = null;
            foreach (var change in scenario.Changes)
            {
                if (change.Key == order.CustomerId && change.Time <= order.PlacedAt && (valid is null || change.Time >= valid.Value.Time)) valid = change;
            }
            var row = valid is { IsDelete: false } v ? v.Row : null;
            if (row is not null || scenario.Left) results.Add(Format(order, row));
        }
        return results;
    }

    private static string Format(Order order, Customer? customer) => $"{order.Id}|{order.CustomerId}|{customer?.Name ?? "NULL"}|{customer?.Tier ?? "NULL"}";

    private static StreamingOptions Options(Settings settings) => new()
    {
        Parallelism = settings.Parallelism,
        ChannelCapacity = settings.ChannelCapacity,
        MaxBatchSize = settings.BatchSize,
        IdleTimeout = Timeout.InfiniteTimeSpan,
    };

    private static async Task<List<string>> RunSqlAsync(Scenario scenario, bool streaming)
    {
        var p = new PipelineBuilder();
        var strategy = Watermarks.BoundedOutOfOrderness(Bound);
        var env = new SqlEnvironment(p);
        env.RegisterTable("orders", p.From(Sources.Enumerable(scenario.Orders, "orders")).WithEventTime(o => o.PlacedAt, strategy), isBounded: true, timeColumn: nameof(Order.PlacedAt));
        env.RegisterVersionedTable("customers", p.From(Sources.Enumerable(scenario.Changes, "changes")).WithEventTime(c => c.Time, strategy), primaryKey: nameof(Customer.Id), isBounded: true);
        var rows = new List<Row>();
        env.Query($"SELECT o.Id, o.CustomerId, c.Name, c.Tier FROM orders AS o {(scenario.Left ? "LEFT " : string.Empty)}JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt AS c ON o.CustomerId = c.Id")
            .Stream.To(Sinks.Collection(rows));
        RunSummary summary = streaming
            ? await new StreamingExecutor(Options(scenario.Settings)).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60))
            : await new BoundedExecutor().RunAsync(p.Build());
        summary.LateElementsDropped.Should().Be(0, "no element is later than the watermark bound");
        return Both.Lines(rows);
    }

    private static async Task<List<string>> RunBuilderAsync(Scenario scenario)
    {
        var results = new List<string>();
        var p = new PipelineBuilder();
        var strategy = Watermarks.BoundedOutOfOrderness(Bound);
        var orders = p.From(Sources.Enumerable(scenario.Orders, "orders")).WithEventTime(o => o.PlacedAt, strategy);
        var customers = p.From(Sources.Enumerable(scenario.Changes, "changes")).WithEventTime(c => c.Time, strategy).ToTable();
        var joined = scenario.Left
            ? orders.LeftTemporalJoin(customers, o => o.CustomerId, Format)
            : orders.TemporalJoin(customers, o => o.CustomerId, (o, c) => Format(o, c));
        joined.To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());
        return results;
    }
}
