using Npgsql;
using Pipelines.Postgres.Tests;
using static Pipelines.Postgres.Tests.PostgresServer;
using Shop = OrderEnrichment.Shop;

// A namespace of its own: the snippet's records are named as in the README, like records of the test namespace.
namespace Pipelines.Postgres.ReadmeTemporalJoin;

/// <summary>The README's temporal join of captured tables, run against the test server on the OrderEnrichment sample's data.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadmeTemporalJoinSnippetTests(PostgresFixture fixture) : IDisposable
{
    private readonly string _checkpoints = Path.Combine(Path.GetTempPath(), "pipelines-readme-join-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_checkpoints)) Directory.Delete(_checkpoints, recursive: true);
    }

    [Fact]
    public async Task OrdersJoinedWithTheTierValidAtTheirTime_AreSummedBackIntoPostgres()
    {
        string connectionString = await fixture.Server.CreateDatabaseAsync();
        string checkpoints = _checkpoints;
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await ExecuteAsync(connectionString, Shop.CreateSql);
        var morning = Shop.Generate(customers: 10, orders: 399, ordersBefore: 100, seed: 3);
        await Shop.WriteAsync(db, morning.Customers);
        await Shop.WriteAsync(db, morning.OrdersBefore);

        #region README: postgres temporal join
        var p = new PipelineBuilder();
        var customers = p.From(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions
            {
                ConnectionString = connectionString, Tables = ["customers"], Slot = "enrichment_customers",
            }))
            .ToChangelog(c => c.Id)                          // Change<long, Customer>: insert, update, delete by key
            // A delete carries no row: it is valid from its commit time.
            .WithEventTime(c => c.IsDelete ? c.Time : c.Row!.UpdatedAt, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
            .ToTable();                                      // every version, valid from its updated_at
        p.From(PostgresSources.ChangeDataCapture<Order>(new PostgresCdcOptions
            {
                ConnectionString = connectionString, Tables = ["orders"], Slot = "enrichment_orders",
            }))
         .Where(c => c.Operation is ChangeOperation.Snapshot or ChangeOperation.Insert)
         .Select(c => c.After!)
         .WithEventTime(o => o.PlacedAt, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
         .TemporalJoin(customers, o => o.CustomerId, (o, c) => (c.Tier, o.Amount))   // the tier when the order was placed
         .KeyBy(x => x.Tier)
         .Window(Windows.Tumbling(TimeSpan.FromHours(1)))
         .Sum(x => x.Amount)
         .Select(r => new TierRevenue(r.Key, r.Window.Start, r.Value))
         .To(PostgresSinks.Upsert<TierRevenue>(connectionString, "revenue_per_tier_hour", ["tier", "hour"]));
        var run = new StreamingExecutor(new StreamingOptions
        {
            IdleTimeout = Timeout.InfiniteTimeSpan,                   // a quiet customers table holds the orders back
            CheckpointStorage = CheckpointStorage.Directory(checkpoints),   // the slots' LSNs are confirmed as it runs
        }).Start(p.Build());
        #endregion

        await Shop.WaitForSlotsAsync(db, run.Completion, TimeSpan.FromSeconds(60));
        await Shop.WriteAsync(db, morning.Later);

        // A customer who leaves: the delete has no row, which the time function must not read (it failed the run).
        await ExecuteAsync(connectionString, "INSERT INTO customers VALUES (999, 'leaver', 'gold', '2026-03-02 06:00:00+00')");
        await ExecuteAsync(connectionString, "DELETE FROM customers WHERE id = 999");
        long changes = morning.Changes + 2;
        await Eventually.HoldsAsync(() => run.ElementsRead >= changes || run.Completion.IsCompleted, () => $"{changes} changes read, {run.ElementsRead} so far", 60_000);
        run.Completion.IsCompleted.Should().BeFalse("the delete is a change of the table, not a failure");
        await run.StopAsync();
        await ExecuteAsync(connectionString, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'enrichment_%'");

        var written = await Shop.RowsAsync(db, Shop.WrittenSql);
        written.Should().HaveCount(3 * 1, "three tiers in one hour").And.Equal(await Shop.RowsAsync(db, Shop.ExpectedSql));
    }
}

#region README: postgres temporal join
public sealed record Order(long Id, long CustomerId, decimal Amount, DateTimeOffset PlacedAt);
public sealed record Customer(long Id, string Name, string Tier, DateTimeOffset UpdatedAt);
public sealed record TierRevenue(string Tier, DateTimeOffset Hour, decimal Revenue);
#endregion
