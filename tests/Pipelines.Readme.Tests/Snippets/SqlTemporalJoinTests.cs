using Pipelines.Sql;

namespace Pipelines.Readme.Tests.Snippets;

/// <summary>The README's SQL temporal join, run on both executors: the tables example of the tour, asked in SQL.</summary>
public class SqlTemporalJoinTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OrdersGetTheTierValidWhenTheyWerePlaced(bool streaming)
    {
        var nine = T0;
        var p = new PipelineBuilder();
        var delay = Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5));
        var customerChanges = p.From(Sources.Enumerable(new[]
        {
            Change.Insert("c1", new Tier("c1", "silver"), nine),
            Change.Insert("c2", new Tier("c2", "bronze"), nine),
            Change.Update("c1", new Tier("c1", "gold"), nine.AddHours(1)),
            Change.Delete<string, Tier>("c2", nine.AddHours(2)),
        })).WithEventTime(c => c.Time, delay);
        var orders = p.From(Sources.Enumerable(new Order[]
        {
            new(1, "c1", 10m, nine.AddMinutes(30)),
            new(2, "c1", 20m, nine.AddHours(1)),
            new(3, "c2", 30m, nine.AddMinutes(59)),
            new(4, "c2", 40m, nine.AddHours(3)),
            new(5, "c3", 50m, nine.AddHours(3)),
        })).WithEventTime(o => o.Time, delay);

        #region README: sql-temporal-join
        var sql = new SqlEnvironment(p);
        sql.RegisterTable("orders", orders, isBounded: true, timeColumn: "Time");       // DataStream<Order> with event time
        sql.RegisterVersionedTable("customers", customerChanges, primaryKey: "CustomerId", isBounded: true);  // Change<string, Tier>

        var enriched = sql.Query("""
            SELECT o.Id, c.Name AS tier, o.Total
            FROM orders AS o
            LEFT JOIN customers FOR SYSTEM_TIME AS OF o.Time AS c ON o.CustomerId = c.CustomerId
            """).Stream;                                                               // DataStream<Row>: (1, silver, 10), …
        #endregion

        var rows = new List<Row>();
        enriched.To(Sinks.Collection(rows));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());

        rows.Select(r => (r[0], r[1], r[2])).Should().BeEquivalentTo(new (object?, object?, object?)[]
        {
            (1, "silver", 10m), (2, "gold", 20m), (3, "bronze", 30m), (4, null, 40m), (5, null, 50m),
        });
    }
}
