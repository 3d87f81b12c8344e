using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SinkTests(PostgresFixture fixture)
{
    public sealed record Account(int Id, string Owner, decimal Balance);

    public sealed record Reading(long Seq, string Sensor, double Value, DateTimeOffset At);

    private static async Task RunAsync<T>(IEnumerable<T> items, Sink<T> sink, ErrorPolicy policy = ErrorPolicy.Fail, Collected<DeadLetter>? letters = null)
    {
        var p = new PipelineBuilder().OnError(policy);
        if (letters is not null) p.WithDeadLetterSink(letters.Sink);
        p.From(Sources.Enumerable(items)).To(sink);
        await new BoundedExecutor().RunAsync(p.Build());
    }

    private async Task<string> AccountsAsync()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(8) NOT NULL, balance numeric(12,2) NOT NULL CHECK (balance >= 0))");
        return db;
    }

    private static async Task<List<Account>> AccountsIn(string db) =>
        [.. (await QueryAsync(db, "SELECT id, owner, balance FROM accounts ORDER BY id")).Select(r => new Account((int)r[0]!, (string)r[1]!, (decimal)r[2]!))];

    [Fact]
    public async Task AppendCopiesEveryElement_ConvertingToTheColumnTypes()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE readings (seq bigint, sensor text, value float8, at timestamptz, note text DEFAULT 'none')");
        var at = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.FromHours(2));
        var readings = Enumerable.Range(0, 2500).Select(i => new Reading(i, $"s{i % 7}", i / 4.0, at.AddSeconds(i))).ToList();
        var sink = PostgresSinks.Append<Reading>(db, "readings", new PostgresSinkOptions { BatchSize = 1000 });
        await RunAsync(readings, sink);

        var rows = await QueryAsync(db, "SELECT seq, sensor, value, at, note FROM readings ORDER BY seq");
        rows.Select(r => new Reading((long)r[0]!, (string)r[1]!, (double)r[2]!, new DateTimeOffset((DateTime)r[3]!))).Should().Equal(readings);
        rows.Should().OnlyContain(r => (string)r[4]! == "none", "columns without a member keep their default");
        sink.RowsWritten.Should().Be(2500);
    }

    public enum Feeling
    {
        Calm,
        VeryGlad,
        Sulky,
    }

    public sealed record Felt(int Id, Feeling Feeling, string Spoken);

    public sealed record Shaded(int Id, Feeling Shade);

    [Fact]
    public async Task EnumColumns_TakeADotNetEnumByItsLabels_OrALabelAsText()
    {
        // The enum is created after the process first connected to the database (the connection loaded its types
        // before it existed), as by a service that runs its migrations at start.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TYPE feeling AS ENUM ('calm', 'very_glad');
            CREATE TABLE moods (id int PRIMARY KEY, feeling feeling NOT NULL, spoken feeling NOT NULL);
            """);
        await RunAsync([new Felt(1, Feeling.Calm, "very_glad"), new Felt(2, Feeling.VeryGlad, "calm")], PostgresSinks.Append<Felt>(db, "moods"));
        await RunAsync([new Felt(1, Feeling.VeryGlad, "calm")], PostgresSinks.Upsert<Felt>(db, "moods", ["id"]));

        (await QueryAsync(db, "SELECT id, feeling::text, spoken::text FROM moods ORDER BY id")).Select(r => ((int)r[0]!, (string)r[1]!, (string)r[2]!))
            .Should().Equal((1, "very_glad", "calm"), (2, "very_glad", "calm"));

        // Row by row, after the server refused the batch (id 1 is taken): the others are written, with their labels.
        var skipping = PostgresSinks.Append<Felt>(db, "moods", new PostgresSinkOptions { RejectedRows = RejectedRowPolicy.Skip });
        await RunAsync([new Felt(1, Feeling.Calm, "calm"), new Felt(3, Feeling.Calm, "very_glad")], skipping);
        skipping.RowsRejected.Should().Be(1);
        (await QueryAsync(db, "SELECT feeling::text, spoken::text FROM moods WHERE id = 3")).Single().Should().Equal("calm", "very_glad");

        // A text that is not a label is an element error, named, before it reaches the server.
        var error = await FluentActions.Awaiting(() => RunAsync([new Felt(4, Feeling.Calm, "sulky")], PostgresSinks.Append<Felt>(db, "moods")))
            .Should().ThrowAsync<PipelineExecutionException>();
        error.Which.ToString().Should().Contain("'sulky' is not a label of public.feeling (calm, very_glad)");

        // A label added while the sink runs (ALTER TYPE ... ADD VALUE), given as text and as a member, into the enum
        // column and into a domain over it.
        await ExecuteAsync(db, "CREATE DOMAIN shade AS feeling; CREATE TABLE shades (id int PRIMARY KEY, shade shade NOT NULL)");
        var input = System.Threading.Channels.Channel.CreateUnbounded<Felt>();
        var moods = PostgresSinks.Append<Felt>(db, "moods", new PostgresSinkOptions { BatchSize = 1 });
        var shades = PostgresSinks.Append<Shaded>(db, "shades", new PostgresSinkOptions { BatchSize = 1 });
        var p = new PipelineBuilder();
        var felt = p.From(Sources.Channel(input.Reader, "felt"));
        felt.To(moods);
        felt.Select(f => new Shaded(f.Id, f.Feeling)).To(shades);
        var run = new StreamingExecutor(new StreamingOptions { IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());
        await input.Writer.WriteAsync(new Felt(5, Feeling.VeryGlad, "calm"));
        await Eventually.HoldsAsync(() => moods.RowsWritten >= 1 && shades.RowsWritten >= 1, "the rows before the new label");
        await ExecuteAsync(db, "ALTER TYPE feeling ADD VALUE 'sulky'");
        await input.Writer.WriteAsync(new Felt(6, Feeling.Sulky, "sulky"));
        input.Writer.Complete();
        await run.Completion;

        (await QueryAsync(db, "SELECT feeling::text, spoken::text FROM moods WHERE id >= 5 ORDER BY id")).Select(r => ((string)r[0]!, (string)r[1]!))
            .Should().Equal(("very_glad", "calm"), ("sulky", "sulky"));
        (await QueryAsync(db, "SELECT shade::text FROM shades ORDER BY id")).Select(r => (string)r[0]!).Should().Equal("very_glad", "sulky");
    }

    [Fact]
    public async Task ATimestampWithoutTimeZone_StoresTheInstantsUtcTime_WhichTheReadersTakeItAs()
    {
        // The readers take a timestamp column as UTC; it stored an instant's local wall-clock time (10:00 of
        // 10:00+02:00), which read back two hours off.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE readings (seq bigint, sensor text, value float8, at timestamp)");
        var at = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.FromHours(2));
        await RunAsync([new Reading(1, "s", 1, at)], PostgresSinks.Append<Reading>(db, "readings"));

        (await QueryAsync(db, "SELECT at::text FROM readings")).Single()[0].Should().Be("2026-01-01 08:00:00");
        var back = new List<Reading>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.Query<Reading>(db, "SELECT seq, sensor, value, at FROM readings")).To(Sinks.Collection(back));
        await new BoundedExecutor().RunAsync(p.Build());
        back.Should().ContainSingle().Which.At.Should().Be(at);
    }

    [Fact]
    public async Task AVarcharsLength_IsCountedInCharacters_AndTrailingSpacesPastItAreCut_AsPostgresCountsThem()
    {
        // An emoji is two UTF-16 units but one character: 'José 😀😀' (7 characters) fits varchar(8), and was refused as 9 long.
        string db = await AccountsAsync();
        await RunAsync([new Account(1, "José 😀😀", 1), new Account(2, "ann      ", 2)], PostgresSinks.Upsert<Account>(db, "accounts", ["id"]));

        (await AccountsIn(db)).Select(a => a.Owner).Should().Equal("José 😀😀", "ann     ");
        var tooLong = () => RunAsync([new Account(3, "José 😀😀!!", 3)], PostgresSinks.Upsert<Account>(db, "accounts", ["id"]));
        (await tooLong.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should().Contain("9 characters long but the column takes at most 8");
    }

    [Fact]
    public async Task UpsertUnderReplays_GivesExactlyTheFinalTable()
    {
        string db = await AccountsAsync();
        var random = new Random(7);
        var changes = Enumerable.Range(0, 3000).Select(i => new Account(random.Next(200), $"o{random.Next(1000)}", random.Next(10_000) / 100m)).ToList();
        var expected = changes.GroupBy(a => a.Id).Select(g => g.Last()).OrderBy(a => a.Id).ToList();
        var options = new PostgresSinkOptions { BatchSize = 128 };

        // A run that fails part-way, then restarts from an earlier point (a checkpoint): the replayed updates are upserted again.
        await RunAsync(changes.Take(1900), PostgresSinks.Upsert<Account>(db, "accounts", ["id"], options));
        await RunAsync(changes.Skip(1200).Take(1000), PostgresSinks.Upsert<Account>(db, "accounts", ["id"], options));
        await RunAsync(changes.Skip(1500), PostgresSinks.Upsert<Account>(db, "accounts", ["id"], options));

        (await AccountsIn(db)).Should().Equal(expected);
    }

    [Fact]
    public async Task ChangeRecordsAreApplied_DeletesIncluded_AndTheLastChangeOfAKeyInABatchWins()
    {
        string db = await AccountsAsync();
        await ExecuteAsync(db, "INSERT INTO accounts VALUES (1, 'old', 1), (2, 'two', 2), (3, 'three', 3)");
        ChangeRecord<Account> Change(ChangeOperation op, int index, Account? before, Account? after) =>
            new(op, "public.accounts", before, after, new NpgsqlTypes.NpgsqlLogSequenceNumber(100), DateTimeOffset.UnixEpoch, 1, index);
        var changes = new[]
        {
            Change(ChangeOperation.Update, 0, new Account(1, null!, 0), new Account(1, "new", 10)),
            Change(ChangeOperation.Delete, 1, new Account(2, null!, 0), null),
            Change(ChangeOperation.Insert, 2, null, new Account(4, "four", 4)),
            Change(ChangeOperation.Delete, 3, new Account(4, null!, 0), null),
            Change(ChangeOperation.Insert, 4, null, new Account(4, "again", 44)),
            Change(ChangeOperation.Insert, 5, null, new Account(5, "five", 5)),
            Change(ChangeOperation.Delete, 6, new Account(5, null!, 0), null),
        };
        await RunAsync(changes, PostgresSinks.Changes<Account>(db, "accounts", ["id"]));

        (await AccountsIn(db)).Should().Equal(new Account(1, "new", 10), new Account(3, "three", 3), new Account(4, "again", 44));
    }

    public sealed record Blob(byte[] Id, string Name);

    [Fact]
    public async Task ABinaryKey_IsComparedByItsBytes_SoTheLastChangeOfAKeyInABatchWins()
    {
        // Each element carries its own byte[]: compared as references, two updates of one key went into one
        // INSERT … ON CONFLICT (which the server refuses, failing the run), and a delete then re-insert of a key lost it.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE blobs (id bytea PRIMARY KEY, name text); INSERT INTO blobs VALUES ('\\x01', 'one'), ('\\x02', 'two')");
        ChangeRecord<Blob> Change(ChangeOperation op, int index, Blob? before, Blob? after) =>
            new(op, "public.blobs", before, after, new NpgsqlTypes.NpgsqlLogSequenceNumber(100), DateTimeOffset.UnixEpoch, 1, index);
        var changes = new[]
        {
            Change(ChangeOperation.Update, 0, new Blob([1], null!), new Blob([1], "first")),
            Change(ChangeOperation.Update, 1, new Blob([1], null!), new Blob([1], "second")),
            Change(ChangeOperation.Delete, 2, new Blob([2], null!), null),
            Change(ChangeOperation.Insert, 3, null, new Blob([2], "again")),
        };
        await RunAsync(changes, PostgresSinks.Changes<Blob>(db, "blobs", ["id"]));

        var rows = await QueryAsync(db, "SELECT encode(id, 'hex'), name FROM blobs ORDER BY id");
        rows.Select(r => $"{r[0]} {r[1]}").Should().Equal("01 second", "02 again");
    }

    [Fact]
    public async Task AnUpdateThatChangesTheKey_DeletesTheOldKey_AlsoWhenTheKeyMovesAgainInTheBatch()
    {
        string db = await AccountsAsync();
        await ExecuteAsync(db, "INSERT INTO accounts VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)");
        ChangeRecord<Account> Update(int index, Account before, Account after) =>
            new(ChangeOperation.Update, "public.accounts", before, after, new NpgsqlTypes.NpgsqlLogSequenceNumber(100), DateTimeOffset.UnixEpoch, 1, index);
        var changes = new[]
        {
            Update(0, new Account(2, null!, 0), new Account(5, "two", 2)),
            Update(1, new Account(3, null!, 0), new Account(6, "three", 3)),
            Update(2, new Account(6, null!, 0), new Account(3, "three", 33)),
            Update(3, new Account(1, "one", 1), new Account(1, "uno", 1)),   // a whole old row with the same key: no delete
        };
        await RunAsync(changes, PostgresSinks.Changes<Account>(db, "accounts", ["id"]));

        (await AccountsIn(db)).Should().Equal(new Account(1, "uno", 1), new Account(3, "three", 33), new Account(5, "two", 2));
    }

    [Fact]
    public async Task ExactlyOnce_RecordsTheSequenceInTheCommitTable_AndSkipsWhatWasWrittenBeforeARestore()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE readings (seq bigint, sensor text, value float8, at timestamptz)");
        var readings = Enumerable.Range(0, 1000).Select(i => new Reading(i, "s", i, DateTimeOffset.UnixEpoch)).ToList();
        var options = new PostgresSinkOptions { BatchSize = 64, ExactlyOnceId = "readings-copy" };
        PostgresSink<Reading> Sink() => PostgresSinks.Append<Reading>(db, "readings", options, r => new WriteSequence(r.Seq, 0));

        await RunAsync(readings.Take(600), Sink());
        var replay = Sink();
        await RunAsync(readings.Skip(450), replay);   // the restore went back to an older position: 450-599 come again

        var seqs = (await QueryAsync(db, "SELECT seq FROM readings ORDER BY seq")).Select(r => (long)r[0]!).ToList();
        seqs.Should().Equal(Enumerable.Range(0, 1000).Select(i => (long)i), "each element is written exactly once");
        replay.RowsAlreadyCommitted.Should().Be(150);
        replay.RowsWritten.Should().Be(400);
        (await QueryAsync(db, "SELECT sink_id, major, minor FROM pipelines_sink_commits")).Single().Should().Equal("readings-copy", 999L, 0L);
    }

    [Fact]
    public async Task ExactlyOnce_AFailedBatchRecordsNothing()
    {
        string db = await AccountsAsync();
        var options = new PostgresSinkOptions { BatchSize = 10, ExactlyOnceId = "accounts" };
        var accounts = Enumerable.Range(1, 30).Select(i => new Account(i, "o", i == 25 ? -1 : i)).ToList();
        var failing = () => RunAsync(accounts, PostgresSinks.Upsert<Account>(db, "accounts", ["id"], options, a => new WriteSequence(a.Id, 0)));
        await failing.Should().ThrowAsync<PipelineExecutionException>();
        (await QueryAsync(db, "SELECT major FROM pipelines_sink_commits")).Single()[0].Should().Be(20L, "the batch with the refused row was not committed");
        (await AccountsIn(db)).Should().HaveCount(20);

        var fixedAccounts = accounts.Select(a => a with { Balance = Math.Abs(a.Balance) }).ToList();
        var retry = PostgresSinks.Upsert<Account>(db, "accounts", ["id"], options, a => new WriteSequence(a.Id, 0));
        await RunAsync(fixedAccounts, retry);
        retry.RowsAlreadyCommitted.Should().Be(20);
        (await AccountsIn(db)).Should().HaveCount(30);
    }

    [Fact]
    public async Task AValueThatDoesNotFitItsColumn_FollowsThePipelinesErrorPolicy_NamingTableKeyAndColumn()
    {
        string db = await AccountsAsync();
        var letters = new Collected<DeadLetter>();
        var accounts = new[] { new Account(1, "ann", 1), new Account(2, "far-too-long", 2), new Account(3, null!, 3), new Account(4, "dan", 4) };
        await RunAsync(accounts, PostgresSinks.Upsert<Account>(db, "accounts", ["id"]), ErrorPolicy.DeadLetter, letters);

        (await AccountsIn(db)).Select(a => a.Id).Should().Equal(1, 4);
        letters.Items.Select(l => l.Element).Should().Equal(accounts[1], accounts[2]);
        letters.Items[0].Exception.Message.Should().Contain("accounts").And.Contain("id=2").And.Contain("column owner").And.Contain("at most 8");
        letters.Items[1].Exception.Message.Should().Contain("id=3").And.Contain("column owner").And.Contain("NOT NULL");
    }

    [Fact]
    public async Task ARowTheServerRefuses_IsSkippedAndCounted_OrFailsTheRunNamingTableKeyAndConstraint()
    {
        string db = await AccountsAsync();
        var accounts = Enumerable.Range(1, 50).Select(i => new Account(i, "o", i == 17 ? -5 : i)).ToList();

        var skipping = PostgresSinks.Upsert<Account>(db, "accounts", ["id"], new PostgresSinkOptions { RejectedRows = RejectedRowPolicy.Skip });
        await RunAsync(accounts, skipping);
        (await AccountsIn(db)).Select(a => a.Id).Should().Equal(Enumerable.Range(1, 50).Where(i => i != 17));
        skipping.RowsRejected.Should().Be(1);
        skipping.RowsWritten.Should().Be(49);

        await ExecuteAsync(db, "TRUNCATE accounts");
        var failing = () => RunAsync(accounts, PostgresSinks.Upsert<Account>(db, "accounts", ["id"]));
        var error = await failing.Should().ThrowAsync<PipelineExecutionException>();
        error.Which.ToString().Should().Contain("accounts").And.Contain("id=17").And.Contain("accounts_balance_check");
        (await AccountsIn(db)).Should().BeEmpty("nothing of the refused batch is committed");
    }

    [Fact]
    public async Task AnUpsertWithoutAUniqueKey_IsRefusedWhenTheRunStarts()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE accounts (id int, owner text NOT NULL, balance numeric NOT NULL)");
        var run = () => RunAsync([new Account(1, "a", 1)], PostgresSinks.Upsert<Account>(db, "accounts", ["id"]));
        (await run.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("no primary key or unique index on (id)");
    }
}
