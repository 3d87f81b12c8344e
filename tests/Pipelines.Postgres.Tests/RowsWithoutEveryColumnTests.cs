using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>
/// <see cref="PostgresRow"/> elements into a table with columns the rows do not carry (an identity, an audit
/// timestamp with a default, a nullable note): the server gives those columns their defaults, on every write path —
/// appends, upserts, change records, the row-by-row path after a refused batch, and exactly-once checkpoint staging.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RowsWithoutEveryColumnTests(PostgresFixture fixture)
{
    private static PostgresRow Row(params (string Column, object? Value)[] values) =>
        new("public.source", [.. values.Select(v => v.Column)], [.. values.Select(v => v.Value)]);

    private static async Task RunAsync<T>(IEnumerable<T> items, Sink<T> sink)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(items)).To(sink);
        await new BoundedExecutor().RunAsync(p.Build());
    }

    [Fact]
    public async Task Append_LeavesTheColumnsARowLacks_ToTheirDefaults_InTheRowsOrder()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, name text NOT NULL, note text, synced boolean NOT NULL DEFAULT true)");
        // Two shapes, interleaved: rows with a note and rows without.
        var rows = Enumerable.Range(0, 10).Select(i => i % 3 == 0 ? Row(("name", $"e{i}"), ("note", $"n{i}")) : Row(("name", $"e{i}"))).ToList();

        await RunAsync(rows, PostgresSinks.Append<PostgresRow>(db, "events", new PostgresSinkOptions { BatchSize = 4 }));

        var back = await QueryAsync(db, "SELECT id, name, note, synced FROM events ORDER BY id");
        back.Select(r => (string)r[1]!).Should().Equal(Enumerable.Range(0, 10).Select(i => $"e{i}"), "identities are given in the rows' order");
        back.Select(r => (long)r[0]!).Should().Equal(Enumerable.Range(1, 10).Select(i => (long)i));
        back.Select(r => r[2] as string).Should().Equal(Enumerable.Range(0, 10).Select(i => i % 3 == 0 ? $"n{i}" : null));
        back.Should().OnlyContain(r => (bool)r[3]!);
    }

    [Fact]
    public async Task Upsert_KeepsTheExistingValueOfAColumnTheRowLacks_AndANewRowGetsItsDefault()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, tier text NOT NULL DEFAULT 'basic', created timestamptz NOT NULL DEFAULT '2026-01-01Z')");
        await ExecuteAsync(db, "INSERT INTO accounts VALUES (1, 'ann', 'gold', '2020-01-01Z')");
        var rows = new[] { Row(("id", 1), ("owner", "ann2")), Row(("id", 2), ("owner", "bob")), Row(("id", 3), ("owner", "cy"), ("tier", "silver")) };

        await RunAsync(rows, PostgresSinks.Upsert<PostgresRow>(db, "accounts", ["id"]));

        var back = await QueryAsync(db, "SELECT id, owner, tier, created::date::text FROM accounts ORDER BY id");
        back.Select(r => ((int)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!)).Should().Equal(
            (1, "ann2", "gold", "2020-01-01"),
            (2, "bob", "basic", "2026-01-01"),
            (3, "cy", "silver", "2026-01-01"));
    }

    [Fact]
    public async Task ChangeRecordsOfRows_IntoATableWithAnAuditColumn_AreApplied()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE replica (id int PRIMARY KEY, name text, synced_at timestamptz NOT NULL DEFAULT now())");
        ChangeRecord<PostgresRow> Change(ChangeOperation op, int index, PostgresRow? before, PostgresRow? after) =>
            new(op, "public.source", before, after, new NpgsqlTypes.NpgsqlLogSequenceNumber(100), DateTimeOffset.UnixEpoch, 1, index);
        var changes = new[]
        {
            Change(ChangeOperation.Insert, 0, null, Row(("id", 1), ("name", "a"))),
            Change(ChangeOperation.Insert, 1, null, Row(("id", 2), ("name", "b"))),
            Change(ChangeOperation.Update, 2, Row(("id", 1), ("name", "a")), Row(("id", 1), ("name", "a2"))),
            Change(ChangeOperation.Delete, 3, Row(("id", 2), ("name", null)), null),
        };

        await RunAsync(changes, PostgresSinks.Changes<PostgresRow>(db, "replica", ["id"]));

        var back = await QueryAsync(db, "SELECT id, name, synced_at IS NOT NULL FROM replica ORDER BY id");
        back.Select(r => ((int)r[0]!, (string)r[1]!, (bool)r[2]!)).Should().Equal((1, "a2", true));
    }

    [Fact]
    public async Task ARefusedBatch_GoesRowByRow_WithEachRowsColumns()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, name text NOT NULL CHECK (name <> 'bad'), note text DEFAULT 'none')");
        var rows = new[] { Row(("name", "a")), Row(("name", "bad")), Row(("name", "c"), ("note", "n")) };
        var sink = PostgresSinks.Append<PostgresRow>(db, "events", new PostgresSinkOptions { RejectedRows = RejectedRowPolicy.Skip });

        await RunAsync(rows, sink);

        var back = await QueryAsync(db, "SELECT name, note FROM events ORDER BY id");
        back.Select(r => ((string)r[0]!, (string)r[1]!)).Should().Equal(("a", "none"), ("c", "n"));
        sink.RowsRejected.Should().Be(1);
    }

    [Fact]
    public async Task ExactlyOnceStaging_AppliesEachRowWithItsOwnColumns()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, tier text NOT NULL DEFAULT 'basic')");
        await ExecuteAsync(db, "INSERT INTO accounts VALUES (1, 'ann', 'gold')");
        var sink = PostgresSinks.Upsert<PostgresRow>(db, "accounts", ["id"], new PostgresSinkOptions { ExactlyOnceId = "rows" });
        await using var writer = await sink.OpenAsync(default);
        await writer.RecoverAsync(null, default);
        await writer.WriteAsync(new[] { Row(("id", 1), ("owner", "ann2")), Row(("id", 2), ("owner", "bob"), ("tier", "silver")), Row(("id", 3), ("owner", "cy")) }, default);
        await writer.PreCommitAsync(1, default);
        await writer.CommitCheckpointAsync(1, default);

        var back = await QueryAsync(db, "SELECT id, owner, tier FROM accounts ORDER BY id");
        back.Select(r => ((int)r[0]!, (string)r[1]!, (string)r[2]!)).Should().Equal((1, "ann2", "gold"), (2, "bob", "silver"), (3, "cy", "basic"));
    }

    private static ChangeRecord<PostgresRow> Change(ChangeOperation op, int index, PostgresRow? before, PostgresRow? after) =>
        new(op, "public.source", before, after, new NpgsqlTypes.NpgsqlLogSequenceNumber(100), DateTimeOffset.UnixEpoch, 1, index);

    private static async Task<string> OrdersAsync(PostgresFixture fixture)
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL DEFAULT 'new', amount int, note text NOT NULL DEFAULT 'none')");
        await ExecuteAsync(db, "INSERT INTO orders VALUES (2, 'shipped', 20, 'old')");
        return db;
    }

    /// <summary>Two partial changes of key 1 (each sets its own column), and key 2 deleted then inserted without a note: the note is the default again.</summary>
    private static ChangeRecord<PostgresRow>[] PartialChanges() =>
    [
        Change(ChangeOperation.Insert, 0, null, Row(("id", 1), ("status", "paid"))),
        Change(ChangeOperation.Update, 1, null, Row(("id", 1), ("amount", 5))),
        Change(ChangeOperation.Delete, 2, Row(("id", 2)), null),
        Change(ChangeOperation.Insert, 3, null, Row(("id", 2), ("status", "again"), ("amount", 7))),
    ];

    private static readonly (int, string, int?, string)[] AfterPartialChanges = [(1, "paid", 5, "none"), (2, "again", 7, "none")];

    private static async Task<(int, string, int?, string)[]> OrdersIn(string db) =>
        [.. (await QueryAsync(db, "SELECT id, status, amount, note FROM orders ORDER BY id")).Select(r => ((int)r[0]!, (string)r[1]!, r[2] as int?, (string)r[3]!))];

    [Fact]
    public async Task PartialRowsOfOneKeyInABatch_EachSetTheirColumns_AndADeleteBeforeOneGivesTheDefaults()
    {
        // Kept as one row per key, the later partial row replaced the earlier and dropped what it had set.
        string db = await OrdersAsync(fixture);
        await RunAsync(PartialChanges(), PostgresSinks.Changes<PostgresRow>(db, "orders", ["id"]));
        (await OrdersIn(db)).Should().Equal(AfterPartialChanges);
    }

    [Fact]
    public async Task PartialRowsOfOneKeyAcrossCheckpoints_ExactlyOnce_EachSetTheirColumnsInOrder()
    {
        string db = await OrdersAsync(fixture);
        var sink = PostgresSinks.Changes<PostgresRow>(db, "orders", ["id"], new PostgresSinkOptions { ExactlyOnceId = "partial" });
        await using var writer = await sink.OpenAsync(default);
        await writer.RecoverAsync(null, default);
        var changes = PartialChanges();
        for (int i = 0; i < changes.Length; i++)
        {
            await writer.WriteAsync(new[] { changes[i] }, default);
            await writer.PreCommitAsync(i + 1, default);
        }

        await writer.CommitCheckpointAsync(changes.Length, default);   // the earlier commits were missed: the last takes them all
        (await OrdersIn(db)).Should().Equal(AfterPartialChanges);
    }

    [Fact]
    public async Task ExactlyOnceAppendsOfRowsWithDifferentColumns_KeepTheirOrder()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, name text NOT NULL, note text DEFAULT 'none')");
        var sink = PostgresSinks.Append<PostgresRow>(db, "events", new PostgresSinkOptions { ExactlyOnceId = "ordered" });
        await using var writer = await sink.OpenAsync(default);
        await writer.RecoverAsync(null, default);
        await writer.WriteAsync(new[] { Row(("name", "a"), ("note", "x")), Row(("name", "b")), Row(("name", "c"), ("note", "y")), Row(("name", "d")) }, default);
        await writer.PreCommitAsync(1, default);
        await writer.CommitCheckpointAsync(1, default);

        var back = await QueryAsync(db, "SELECT name, note FROM events ORDER BY id");
        back.Select(r => ((string)r[0]!, (string)r[1]!)).Should().Equal(("a", "x"), ("b", "none"), ("c", "y"), ("d", "none"));
    }

    [Fact]
    public async Task ARowWithoutAColumnThatNeedsAValue_OrWithoutItsKey_IsRefusedNamingTheColumn()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL)");

        var noOwner = () => RunAsync([Row(("id", 1))], PostgresSinks.Upsert<PostgresRow>(db, "accounts", ["id"]));
        (await noOwner.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("owner").And.Contain("NOT NULL without a default");

        var noKey = () => RunAsync([Row(("owner", "ann"))], PostgresSinks.Upsert<PostgresRow>(db, "accounts", ["id"]));
        (await noKey.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("id").And.Contain("key column");
    }
}
