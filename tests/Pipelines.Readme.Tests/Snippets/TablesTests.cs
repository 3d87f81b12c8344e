namespace Pipelines.Readme.Tests.Snippets;

/// <summary>An order.</summary>
internal sealed record Order(int Id, string CustomerId, decimal Total, DateTimeOffset Time);

/// <summary>A customer's tier, as a row of the customers table.</summary>
internal sealed record Tier(string CustomerId, string Name);

/// <summary>The README's tables example, run on both executors: each order gets the tier its customer had when it was placed.</summary>
public class TablesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OrdersGetTheTierValidWhenTheyWerePlaced(bool streaming)
    {
        var nine = T0;
        Change<string, Tier>[] customerChanges =
        [
            Change.Insert("c1", new Tier("c1", "silver"), nine),
            Change.Insert("c2", new Tier("c2", "bronze"), nine),
            Change.Update("c1", new Tier("c1", "gold"), nine.AddHours(1)),
            Change.Delete<string, Tier>("c2", nine.AddHours(2)),
        ];
        Order[] orders =
        [
            new(1, "c1", 10m, nine.AddMinutes(30)),
            new(2, "c1", 20m, nine.AddHours(1)),
            new(3, "c2", 30m, nine.AddMinutes(59)),
            new(4, "c2", 40m, nine.AddHours(3)),
            new(5, "c3", 50m, nine.AddHours(3)),
        ];
        var results = new List<(int Order, string Tier, decimal Total)>();
        var enriched = Sinks.Collection(results);
        var p = new PipelineBuilder();

        #region README: tables
        var customers = p.From(Sources.Enumerable(customerChanges))           // Change<string, Tier>: insert/update/delete by key
                         .WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
                         .ToTable();                                          // Table<string, Tier>

        p.From(Sources.Enumerable(orders))
         .WithEventTime(o => o.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
         .LeftTemporalJoin(customers, o => o.CustomerId,                      // the tier valid at the order's time
                           (o, tier) => (o.Id, Tier: tier?.Name ?? "none", o.Total))
         .To(enriched);
        #endregion

        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());

        results.Should().BeEquivalentTo(new[]
        {
            (1, "silver", 10m), (2, "gold", 20m), (3, "bronze", 30m), (4, "none", 40m), (5, "none", 50m),
        });
    }
}
