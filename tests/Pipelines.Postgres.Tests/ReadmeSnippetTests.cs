using Pipelines;
using Pipelines.Postgres;
using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>The README's PostgreSQL snippets, run against the test server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadmeSnippetTests(PostgresFixture fixture)
{
    [Fact]
    public async Task RevenuePerHour_FromCapturedOrders_IsUpsertedBack()
    {
        string connectionString = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(connectionString, """
            CREATE TABLE orders (id bigint PRIMARY KEY, region text NOT NULL, amount numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL);
            CREATE TABLE revenue_per_hour (region text, hour timestamptz, revenue numeric(14, 2) NOT NULL, PRIMARY KEY (region, hour));
            INSERT INTO orders SELECT i, CASE WHEN i % 3 = 0 THEN 'north' ELSE 'south' END, i, timestamptz '2026-03-02 06:00+00' + i * interval '1 minute' FROM generate_series(1, 100) i;
            """);

        #region README: postgres
        var orders = PostgresSources.ChangeDataCapture<Order>(new PostgresCdcOptions
        {
            ConnectionString = connectionString, Tables = ["orders"], Slot = "revenue",
        });
        var p = new PipelineBuilder();
        p.From(orders)
         .Where(c => c.Operation is ChangeOperation.Snapshot or ChangeOperation.Insert)   // orders are only inserted here
         .WithEventTime(c => c.After!.PlacedAt, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
         .KeyBy(c => c.After!.Region)
         .Window(Windows.Tumbling(TimeSpan.FromHours(1)))
         .Sum(c => c.After!.Amount)
         .Select(r => new HourlyRevenue(r.Key, r.Window.Start, r.Value))
         .To(PostgresSinks.Upsert<HourlyRevenue>(connectionString, "revenue_per_hour", ["region", "hour"]));
        var run = new StreamingExecutor().Start(p.Build());   // … and on shutdown: await run.StopAsync();
        #endregion

        await Eventually.HoldsAsync(() => run.ElementsRead >= 100, "the snapshot");
        await ExecuteAsync(connectionString, "INSERT INTO orders SELECT i, CASE WHEN i % 3 = 0 THEN 'north' ELSE 'south' END, i, timestamptz '2026-03-02 06:00+00' + i * interval '1 minute' FROM generate_series(101, 300) i");
        await Eventually.HoldsAsync(() => run.ElementsRead >= 300, "the inserts");
        await run.StopAsync();
        await ExecuteAsync(connectionString, "SELECT pg_drop_replication_slot('revenue')");

        var written = await QueryAsync(connectionString, "SELECT region, hour, revenue FROM revenue_per_hour ORDER BY hour, region");
        var expected = await QueryAsync(connectionString, "SELECT region, date_trunc('hour', placed_at), sum(amount) FROM orders GROUP BY 1, 2 ORDER BY 2, 1");
        written.Should().HaveCount(11).And.BeEquivalentTo(expected, o => o.WithStrictOrdering());
    }
}

#region README: postgres
public sealed record Order(long Id, string Region, decimal Amount, DateTimeOffset PlacedAt);
public sealed record HourlyRevenue(string Region, DateTimeOffset Hour, decimal Revenue);
#endregion
