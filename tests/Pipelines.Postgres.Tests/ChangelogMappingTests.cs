using NpgsqlTypes;

namespace Pipelines.Postgres.Tests;

/// <summary>Captured changes as the core's changelog, and a PostgreSQL table joined as a table.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ChangelogMappingTests(PostgresFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ChangeRecord<Customer> Record(ChangeOperation operation, Customer? before, Customer? after, int minute) =>
        new(operation, "public.customers", before, after, new NpgsqlLogSequenceNumber((ulong)minute), T0.AddMinutes(minute), 1, 0);

    private static async Task<List<Change<int, Customer>>> MapAsync(params ChangeRecord<Customer>[] records)
    {
        var output = new List<Change<int, Customer>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(records)).ToChangelog(c => c.Id).To(Sinks.Collection(output));
        await new BoundedExecutor().RunAsync(p.Build());
        return output;
    }

    [Fact]
    public async Task EachOperation_BecomesItsChange_AtTheCommitTime()
    {
        var a = new Customer(1, "a", "gold");
        var changes = await MapAsync(
            Record(ChangeOperation.Snapshot, null, a, 0),
            Record(ChangeOperation.Insert, null, new Customer(2, "b", "bronze"), 1),
            Record(ChangeOperation.Update, null, a with { Tier = "silver" }, 2),
            Record(ChangeOperation.Delete, new Customer(2, null!, null!), null, 3));

        changes.Should().Equal(
            Change.Insert(1, a, T0),
            Change.Insert(2, new Customer(2, "b", "bronze"), T0.AddMinutes(1)),
            Change.Update(1, a with { Tier = "silver" }, T0.AddMinutes(2)),
            Change.Delete<int, Customer>(2, T0.AddMinutes(3)));
    }

    [Fact]
    public async Task AnUpdateOfTheKey_IsADeleteOfTheOldKey_ThenAnInsert()
    {
        var moved = new Customer(52, "d", "gold");
        var changes = await MapAsync(Record(ChangeOperation.Update, new Customer(4, null!, null!), moved, 5));

        changes.Should().Equal(Change.Delete<int, Customer>(4, T0.AddMinutes(5)), Change.Insert(52, moved, T0.AddMinutes(5)));
    }

    [Fact]
    public async Task ADeleteWithoutItsOldRow_IsRefused_SayingWhatToDo()
    {
        var act = () => MapAsync(Record(ChangeOperation.Delete, null, null, 1));

        (await act.Should().ThrowAsync<PipelineExecutionException>())
            .Which.ToString().Should().Contain("public.customers").And.Contain("REPLICA IDENTITY FULL");
    }

    [Fact]
    public async Task CapturedCustomers_EnrichOrders_ThroughATemporalJoin()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await PostgresServer.ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text NOT NULL)");
        await PostgresServer.ExecuteAsync(db, "INSERT INTO customers VALUES (1, 'a', 'bronze'), (2, 'b', 'bronze')");

        // Read the snapshot and one committed change, then stop: a bounded changelog to join against.
        var captured = new Collected<ChangeRecord<Customer>>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions { ConnectionString = db, Tables = ["customers"], Slot = "tables_join" }))
            .To(captured.Sink);
        var run = new StreamingExecutor(new StreamingOptions { IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());
        await Eventually.HoldsAsync(() => captured.Count >= 2, "the snapshot");
        await PostgresServer.ExecuteAsync(db, "UPDATE customers SET tier = 'gold' WHERE id = 1");
        await Eventually.HoldsAsync(() => captured.Count >= 3, "the update");
        await run.StopAsync();

        var snapshot = captured.Items[0].CommitTime;
        var upgrade = captured.Items[2].CommitTime.AddMilliseconds(1);
        var orders = new[] { (Customer: 1, Time: snapshot), (Customer: 1, Time: upgrade), (Customer: 2, Time: upgrade) };
        var enriched = new List<(int Customer, DateTimeOffset Time, string Tier)>();
        var join = new PipelineBuilder();
        var tiers = join.From(Sources.Enumerable(captured.Items))
            .WithEventTime(c => c.CommitTime, Watermarks.Monotonic())
            .ToChangelog(c => c.Id)
            .ToTable();
        join.From(Sources.Enumerable(orders))
            .WithEventTime(o => o.Time, Watermarks.Monotonic())
            .TemporalJoin(tiers, o => o.Customer, (o, c) => (o.Customer, o.Time, c.Tier))
            .To(Sinks.Collection(enriched));
        await new BoundedExecutor().RunAsync(join.Build());

        enriched.OrderBy(e => e.Time).ThenBy(e => e.Customer).Should().Equal(
            (1, snapshot, "bronze"),
            (1, upgrade, "gold"),
            (2, upgrade, "bronze"));
    }
}
