using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>The README's replica snippet, run against the test server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadmeReplicaSnippetTests(PostgresFixture fixture)
{
    [Fact]
    public async Task AReplica_KeptInStepByChanges_ExactlyOnce()
    {
        string source = await fixture.Server.CreateDatabaseAsync();
        string replica = await fixture.Server.CreateDatabaseAsync();
        const string Table = "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text NOT NULL)";
        await ExecuteAsync(source, Table + "; INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(1, 100) i");
        await ExecuteAsync(replica, Table);
        PostgresCdcPosition? saved = null;

        #region README: postgres replica
        var customers = PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions
        {
            ConnectionString = source, Tables = ["customers"], Slot = "customers_replica",
        });
        var p = new PipelineBuilder();
        p.From(saved is null ? customers : customers.ResumeFrom(saved))   // saved: a position kept with your checkpoints
         .To(PostgresSinks.Changes<Customer>(replica, "customers", ["id"], new PostgresSinkOptions { ExactlyOnceId = "customers-replica" }));
        #endregion

        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromMilliseconds(50) }).Start(p.Build());
        await Eventually.HoldsAsync(() => run.ElementsRead >= 100, "the snapshot");
        await ExecuteAsync(source, "UPDATE customers SET tier = 'gold' WHERE id % 10 = 0; DELETE FROM customers WHERE id % 7 = 0; INSERT INTO customers VALUES (101, 'new', 'silver')");
        await Eventually.HoldsAsync(() => run.ElementsRead >= 100 + 10 + 14 + 1, "the changes");
        await run.StopAsync();
        await ExecuteAsync(source, "SELECT pg_drop_replication_slot('customers_replica')");

        var expected = await QueryAsync(source, "SELECT * FROM customers ORDER BY id");
        var copied = await QueryAsync(replica, "SELECT * FROM customers ORDER BY id");
        copied.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        (await QueryAsync(replica, "SELECT count(*) FROM pipelines_sink_commits WHERE sink_id = 'customers-replica'")).Single()[0].Should().Be(1L);
    }
}
