using Npgsql;
using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>Changes captured from a table and applied to a replica: values the update did not send, keys that change, positions the slot has passed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ChangeDataCaptureReplicaTests(PostgresFixture fixture)
{
    private static readonly StreamingOptions Streaming = new()
    {
        Parallelism = 1,
        MaxBatchSize = 7,
        IdleTimeout = Timeout.InfiniteTimeSpan,
        CheckpointInterval = TimeSpan.FromMilliseconds(20),
    };

    public sealed record Doc(int Id, string Body, string Tier);

    [Fact]
    public async Task AnUnchangedLargeValue_IsTakenFromTheFullOldRow_OrTheRowIsReportedAskingForReplicaIdentityFull()
    {
        string source = await fixture.Server.CreateDatabaseAsync();
        string replica = await fixture.Server.CreateDatabaseAsync();
        const string Table = "CREATE TABLE docs (id int PRIMARY KEY, body text NOT NULL, tier text NOT NULL)";
        await ExecuteAsync(replica, Table);

        // About 20 kB of random hex: too large to stay in the row even compressed, so the server keeps it in TOAST.
        await ExecuteAsync(source, Table + "; INSERT INTO docs SELECT i, (SELECT string_agg(md5(random()::text || i || g), '') FROM generate_series(1, 640) g), 'bronze' FROM generate_series(1, 2) i");
        var bodies = (await QueryAsync(source, "SELECT body FROM docs ORDER BY id")).Select(r => (string)r[0]!).ToList();
        bodies.Should().OnlyContain(b => b.Length == 20_480);
        (await QueryAsync(source, "SELECT pg_column_size(body) FROM docs")).Should().OnlyContain(r => (int)r[0]! > 2048, "the values are stored out of line");

        var letters = new Collected<DeadLetter>();
        var cdc = PostgresSources.ChangeDataCapture<Doc>(new PostgresCdcOptions { ConnectionString = source, Tables = ["docs"], Slot = "docs_toast" });
        var p = new PipelineBuilder().WithDeadLetterSink(letters.Sink);
        p.From(cdc).OnError(ErrorPolicy.DeadLetter).To(PostgresSinks.Changes<Doc>(replica, "docs", ["id"]));
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => run.ElementsRead >= 2, "the snapshot");

        // The default replica identity sends the key only: the unchanged body is not in the change at all.
        await ExecuteAsync(source, "UPDATE docs SET tier = 'silver' WHERE id = 1");
        await Eventually.HoldsAsync(() => letters.Count >= 1, "the incomplete update");
        letters.Items[0].Exception.Should().BeOfType<PostgresMappingException>().Which.Message
            .Should().Contain("public.docs").And.Contain("id=1").And.Contain("body").And.Contain("REPLICA IDENTITY FULL");

        // With the whole old row in every update, the body comes from it.
        await ExecuteAsync(source, "ALTER TABLE docs REPLICA IDENTITY FULL; UPDATE docs SET tier = 'gold' WHERE id = 2");
        await Eventually.HoldsAsync(
            () => QueryAsync(replica, "SELECT 1 FROM docs WHERE id = 2 AND tier = 'gold'").GetAwaiter().GetResult().Count == 1, "the complete update");
        await run.StopAsync();

        var copied = await QueryAsync(replica, "SELECT id, body, tier FROM docs ORDER BY id");
        copied.Select(r => new Doc((int)r[0]!, (string)r[1]!, (string)r[2]!)).Should().Equal(
            new Doc(1, bodies[0], "bronze"),
            new Doc(2, bodies[1], "gold"));
        letters.Count.Should().Be(1);
    }

    [Fact]
    public async Task AnUpdateOfThePrimaryKey_MovesTheRowInTheReplica()
    {
        string source = await fixture.Server.CreateDatabaseAsync();
        string replica = await fixture.Server.CreateDatabaseAsync();
        const string Table = "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text NOT NULL)";
        await ExecuteAsync(source, Table + "; INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(1, 3) i");
        await ExecuteAsync(replica, Table);

        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions { ConnectionString = source, Tables = ["customers"], Slot = "key_change" }))
         .To(PostgresSinks.Changes<Customer>(replica, "customers", ["id"]));
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => run.ElementsRead >= 3, "the snapshot");
        await ExecuteAsync(source, "UPDATE customers SET id = 5 WHERE id = 2");
        await Eventually.HoldsAsync(
            () => QueryAsync(replica, "SELECT 1 FROM customers WHERE id = 5").GetAwaiter().GetResult().Count == 1, "the moved row");
        await run.StopAsync();

        var copied = await QueryAsync(replica, "SELECT id, name, tier FROM customers ORDER BY id");
        copied.Select(r => new Customer((int)r[0]!, (string)r[1]!, (string)r[2]!)).Should().Equal(
            new Customer(1, "c1", "bronze"), new Customer(3, "c3", "bronze"), new Customer(5, "c2", "bronze"));
    }

    [Fact]
    public async Task AResumeBeforeWhatTheSlotConfirmed_FailsSayingWhatToDo()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text NOT NULL)");
        var options = new PostgresCdcOptions { ConnectionString = db, Tables = ["customers"], Slot = "resume_old" };
        var first = new Collected<ChangeRecord<Customer>>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Customer>(options)).To(first.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        // The inserts must come through the stream, not the snapshot: a run stopped before its snapshot is done drops its slot.
        await Eventually.HoldsAsync(
            () => QueryAsync(db, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'resume_old' AND active AND confirmed_flush_lsn IS NOT NULL").GetAwaiter().GetResult().Count > 0,
            "the slot streaming");
        await ExecuteAsync(db, "INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(1, 10) i");
        await Eventually.HoldsAsync(() => first.Count >= 10, "the changes");
        await run.StopAsync(drain: true);

        var stale = new PostgresCdcPosition("0/1", 0, SnapshotDone: true);
        var q = new PipelineBuilder();
        q.From(PostgresSources.ChangeDataCapture<Customer>(options).ResumeFrom(stale)).To(new Collected<ChangeRecord<Customer>>().Sink);
        var second = new StreamingExecutor(Streaming).Start(q.Build());
        var failure = await second.Completion.Invoking(c => c.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<PipelineExecutionException>();

        // Read after the refusal: the drained run's last confirmation reaches the server as its connection closes.
        string confirmed = (string)(await QueryAsync(db, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'resume_old'")).Single()[0]!;
        failure.Which.ToString().Should().Contain("cannot resume at position 0/1").And.Contain("resume_old").And.Contain(confirmed)
            .And.Contain("last completed checkpoint");
    }
}
