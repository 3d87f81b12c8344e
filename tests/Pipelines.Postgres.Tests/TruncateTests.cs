using NpgsqlTypes;
using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>A TRUNCATE of a captured table: a change record of its own, which changelogs and the Changes sink refuse by name.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TruncateTests(PostgresFixture fixture)
{
    [Fact]
    public async Task ATruncate_IsAChangeRecordInCommitOrder_WithoutRows()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text NOT NULL); INSERT INTO customers VALUES (1, 'a', 'gold')");
        var output = new Collected<ChangeRecord<Customer>>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions { ConnectionString = db, Tables = ["customers"], Slot = "truncates" })).To(output.Sink);
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());
        await Eventually.HoldsAsync(() => output.Count >= 1, "the snapshot");

        await ExecuteAsync(db, "INSERT INTO customers VALUES (2, 'b', 'silver')");
        await ExecuteAsync(db, "BEGIN; INSERT INTO customers VALUES (3, 'c', 'bronze'); TRUNCATE customers; INSERT INTO customers VALUES (4, 'd', 'gold'); COMMIT");
        await Eventually.HoldsAsync(() => output.Count >= 5, "the changes");
        await run.StopAsync();
        await ExecuteAsync(db, "SELECT pg_drop_replication_slot('truncates')");

        var all = output.Items;
        all.Select(c => (c.Operation, c.After?.Id)).Should().Equal(
            (ChangeOperation.Snapshot, (int?)1), (ChangeOperation.Insert, 2), (ChangeOperation.Insert, 3), (ChangeOperation.Truncate, null), (ChangeOperation.Insert, 4));
        var truncate = all[3];
        truncate.Table.Should().Be("public.customers");
        truncate.Before.Should().BeNull();
        truncate.Index.Should().Be(1, "the second change of its transaction");
        truncate.Lsn.Should().Be(all[2].Lsn).And.Be(all[4].Lsn);
    }

    [Fact]
    public async Task AChangelog_RefusesATruncate_SayingHowToIgnoreIt()
    {
        var truncate = new ChangeRecord<Customer>(ChangeOperation.Truncate, "public.customers", null, null, new NpgsqlLogSequenceNumber(64), DateTimeOffset.UnixEpoch, 1, 0);
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable([truncate])).ToChangelog(c => c.Id).To(Sinks.Collection(new List<Change<int, Customer>>()));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should()
            .Contain("'public.customers' was truncated").And.Contain("ChangeOperation.Truncate");
    }

    [Fact]
    public async Task TheChangesSink_ReportsATruncateAsABadElement_AndAppliesTheRest()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text NOT NULL)");
        ChangeRecord<Customer> Record(ChangeOperation operation, Customer? after, int index) =>
            new(operation, "public.customers", null, after, new NpgsqlLogSequenceNumber(64), DateTimeOffset.UnixEpoch, 1, index);
        var letters = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(letters.Sink);
        p.From(Sources.Enumerable([Record(ChangeOperation.Insert, new Customer(1, "a", "gold"), 0), Record(ChangeOperation.Truncate, null, 1), Record(ChangeOperation.Insert, new Customer(2, "b", "gold"), 2)]))
         .To(PostgresSinks.Changes<Customer>(db, "customers", ["id"]));

        await new BoundedExecutor().RunAsync(p.Build());

        (await QueryAsync(db, "SELECT id FROM customers ORDER BY id")).Select(r => (int)r[0]!).Should().Equal(1, 2);
        letters.Items.Should().ContainSingle().Which.Exception.Should().BeOfType<PostgresMappingException>()
            .Which.Message.Should().Contain("truncated").And.Contain("Truncate the target yourself");
    }
}
