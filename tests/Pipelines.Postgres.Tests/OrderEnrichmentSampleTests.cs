using Npgsql;
using OrderEnrichment;
using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>The OrderEnrichment sample's pipeline (orders joined with the customer's tier valid at their time), against the test server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OrderEnrichmentSampleTests(PostgresFixture fixture) : IDisposable
{
    private readonly string _checkpoints = Path.Combine(Path.GetTempPath(), "pipelines-enrichment-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_checkpoints)) Directory.Delete(_checkpoints, recursive: true);
    }

    [Fact]
    public async Task RevenuePerTierAndHour_EqualsSql_WithTheTierValidAtEachOrdersTime()
    {
        string connectionString = await fixture.Server.CreateDatabaseAsync();
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await ExecuteAsync(connectionString, Shop.CreateSql);
        var morning = Shop.Generate(customers: 30, orders: 1199, ordersBefore: 300, seed: 7);
        await Shop.WriteAsync(db, morning.Customers);
        await Shop.WriteAsync(db, morning.OrdersBefore);

        var run = new StreamingExecutor(TierRevenuePipeline.Options(_checkpoints)).Start(TierRevenuePipeline.Define(connectionString));
        await Shop.WaitForSlotsAsync(db, run.Completion, TimeSpan.FromSeconds(60));
        await Shop.WriteAsync(db, morning.Later);
        long changes = morning.Changes;
        await Eventually.HoldsAsync(() => run.ElementsRead >= changes || run.Completion.IsCompleted, () => $"{changes} changes read, {run.ElementsRead} so far", 60_000);
        var summary = await run.StopAsync();
        await ExecuteAsync(connectionString, $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('{TierRevenuePipeline.OrdersSlot}', '{TierRevenuePipeline.CustomersSlot}')");

        summary.ElementsRead.Should().Be(changes);
        morning.TierChanges.Should().BeGreaterThan(100, "tiers change while orders are placed, so the time each tier was valid matters");
        var written = await Shop.RowsAsync(db, Shop.WrittenSql);
        var expected = await Shop.RowsAsync(db, Shop.ExpectedSql);
        var latestTier = await Shop.RowsAsync(db, """
            SELECT c.tier, date_trunc('hour', o.placed_at), sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY 1, 2 ORDER BY 2, 1
            """);
        written.Should().HaveCount(3 * 3, "three tiers in each of three hours").And.Equal(expected);
        written.Should().NotEqual(latestTier, "joining each order with the customer's current tier gives other sums");
    }
}
