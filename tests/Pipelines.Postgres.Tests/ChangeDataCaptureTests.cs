using Npgsql;
using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class ChangeDataCaptureTests(PostgresFixture fixture)
{
    private static readonly StreamingOptions Streaming = new()
    {
        Parallelism = 1,
        MaxBatchSize = 7,
        IdleTimeout = Timeout.InfiniteTimeSpan,
        CheckpointInterval = TimeSpan.FromMilliseconds(20),
    };

    private async Task<string> CustomersAsync(int rows)
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text NOT NULL)");
        if (rows > 0) await ExecuteAsync(db, $"INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(1, {rows}) i");
        return db;
    }

    private static PostgresCdcOptions Options(string db, string slot) => new() { ConnectionString = db, Tables = ["customers"], Slot = slot };

    private static PipelineRun Start<TPosition>(Source<ChangeRecord<Customer>, TPosition> source, Collected<ChangeRecord<Customer>> output, StreamingOptions? options = null)
        where TPosition : class
    {
        var p = new PipelineBuilder();
        p.From(source).To(output.Sink);
        return new StreamingExecutor(options ?? Streaming).Start(p.Build());
    }

    [Fact]
    public async Task TheSnapshotComesFirst_ThenInsertsUpdatesAndDeletesInCommitOrder()
    {
        string db = await CustomersAsync(50);
        var output = new Collected<ChangeRecord<Customer>>();
        var run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "snap_order")), output);
        await Eventually.HoldsAsync(() => output.Count >= 50, "the snapshot");

        // Two transactions that overlap: the one that commits first comes first, whatever began first.
        await using var a = new NpgsqlConnection(db);
        await using var b = new NpgsqlConnection(db);
        await a.OpenAsync();
        await b.OpenAsync();
        await using (var ta = await a.BeginTransactionAsync())
        {
            await new NpgsqlCommand("INSERT INTO customers VALUES (51, 'late', 'gold')", a, ta).ExecuteNonQueryAsync();
            await using (var tb = await b.BeginTransactionAsync())
            {
                await new NpgsqlCommand("UPDATE customers SET tier = 'silver' WHERE id = 2", b, tb).ExecuteNonQueryAsync();
                await new NpgsqlCommand("DELETE FROM customers WHERE id = 3", b, tb).ExecuteNonQueryAsync();
                await tb.CommitAsync();
            }

            await new NpgsqlCommand("UPDATE customers SET id = 52 WHERE id = 4", a, ta).ExecuteNonQueryAsync();
            await ta.CommitAsync();
        }

        await Eventually.HoldsAsync(() => output.Count >= 54, "the four changes");
        await run.StopAsync();
        var all = output.Items;
        all.Should().HaveCount(54);

        var snapshot = all.Take(50).ToList();
        snapshot.Should().OnlyContain(c => c.Operation == ChangeOperation.Snapshot && c.Table == "public.customers" && c.Before == null);
        snapshot.Select(c => c.After!.Id).Order().Should().Equal(Enumerable.Range(1, 50));

        var changes = all.Skip(50).ToList();
        changes.Select(c => (c.Operation, c.Before?.Id, c.After?.Id)).Should().Equal(
            (ChangeOperation.Update, (int?)null, (int?)2),
            (ChangeOperation.Delete, 3, null),
            (ChangeOperation.Insert, null, 51),
            (ChangeOperation.Update, 4, 52));
        changes[0].After.Should().Be(new Customer(2, "c2", "silver"));
        changes[1].Before.Should().Be(new Customer(3, null!, null!), "a delete carries the key; the other columns are not sent");
        changes[0].TransactionId.Should().Be(changes[1].TransactionId).And.NotBe(changes[2].TransactionId);
        changes[2].Lsn.Should().Be(changes[3].Lsn);
        ((ulong)changes[0].Lsn).Should().BeLessThan((ulong)changes[2].Lsn);
        changes.Select(c => c.Sequence).Should().BeInAscendingOrder();
        changes[0].CommitTime.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task ACrashAndARestartAtTheStoredPosition_LoseNothingAndRepeatNothing()
    {
        string db = await CustomersAsync(0);
        var keeping = new PositionKeeping<ChangeRecord<Customer>, PostgresCdcPosition>(PostgresSources.ChangeDataCapture<Customer>(Options(db, "crash_restart")));
        var first = new Collected<ChangeRecord<Customer>>();
        var run = Start(keeping, first);
        await Eventually.HoldsAsync(() => SlotExists(db, "crash_restart"), "the slot");

        // Transactions of 25 changes, read 7 at a time: checkpoints fall inside transactions.
        int id = 0;
        async Task WriteAsync(int transactions)
        {
            for (int t = 0; t < transactions; t++)
            {
                int from = id + 1;
                id += 25;
                await ExecuteAsync(db, $"INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series({from}, {id}) i");
            }
        }

        await WriteAsync(8);
        await Eventually.HoldsAsync(() => first.Count >= 200 && keeping.Commits >= 3, "the first run's changes and a few checkpoints");
        await WriteAsync(4);
        await run.StopAsync(drain: false);
        var position = keeping.Committed!;
        position.Should().NotBeNull();
        position.SnapshotDone.Should().BeTrue();

        await WriteAsync(4);
        var second = new Collected<ChangeRecord<Customer>>();
        run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "crash_restart")).ResumeFrom(position), second);
        await Eventually.HoldsAsync(() => second.Items.Any(c => c.After!.Id == 400), "the second run reaching the last change");
        await run.StopAsync();

        var expected = Enumerable.Range(1, 400).ToList();
        var resumed = second.Items.Select(c => c.After!.Id).ToList();
        resumed.Should().Equal(expected.Skip(400 - resumed.Count), "the second run reads exactly the changes after the position");
        first.Items.Select(c => c.After!.Id).Take(400 - resumed.Count).Should().Equal(expected.Take(400 - resumed.Count), "the first run read everything before it");
        resumed.Count.Should().BeLessThan(400, "checkpoints during the first run committed a position past the start");
    }

    [Fact]
    public async Task TheLsnIsConfirmedOnlyWhenACheckpointCompletes_AndARestartWithoutAPositionResumesFromTheSlot()
    {
        string db = await CustomersAsync(0);
        var noCheckpoints = new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan, CheckpointInterval = Timeout.InfiniteTimeSpan };
        var first = new Collected<ChangeRecord<Customer>>();
        var run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "confirm_slot")), first, noCheckpoints);
        await Eventually.HoldsAsync(() => SlotExists(db, "confirm_slot"), "the slot");
        string created = ConfirmedFlush(db, "confirm_slot");

        await ExecuteAsync(db, "INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(1, 30) i");
        await ExecuteAsync(db, "INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(31, 60) i");
        await Eventually.HoldsAsync(() => first.Count >= 60, "the changes");
        ConfirmedFlush(db, "confirm_slot").Should().Be(created, "nothing is confirmed before a checkpoint or the end of a run");

        // A crash: nothing confirmed, so a restart from the slot reads every change again.
        await run.StopAsync(drain: false);
        var second = new Collected<ChangeRecord<Customer>>();
        run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "confirm_slot")), second, noCheckpoints);
        await Eventually.HoldsAsync(() => second.Count >= 60, "the changes again");
        await run.StopAsync(drain: true);
        second.Items.Select(c => c.After!.Id).Should().Equal(Enumerable.Range(1, 60));
        ConfirmedFlush(db, "confirm_slot").Should().NotBe(created, "a drained run confirms where it ended");

        // The slot resumes after what was confirmed: only the new changes.
        await ExecuteAsync(db, "INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(61, 70) i");
        var third = new Collected<ChangeRecord<Customer>>();
        run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "confirm_slot")), third, noCheckpoints);
        await Eventually.HoldsAsync(() => third.Count >= 10, "the new changes");
        await run.StopAsync();
        third.Items.Select(c => c.After!.Id).Should().Equal(Enumerable.Range(61, 10));
    }

    [Fact]
    public async Task APositionFromAnUnfinishedSnapshot_StartsOverWithANewSlotAndSnapshot()
    {
        string db = await CustomersAsync(10);
        var first = new Collected<ChangeRecord<Customer>>();
        var run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "snapshot_again")), first);
        await Eventually.HoldsAsync(() => first.Count >= 10, "the first snapshot");
        await run.StopAsync();
        await ExecuteAsync(db, "INSERT INTO customers VALUES (11, 'c11', 'gold')");

        var second = new Collected<ChangeRecord<Customer>>();
        var unfinished = new PostgresCdcPosition("0/0", 3, SnapshotDone: false);
        run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "snapshot_again")).ResumeFrom(unfinished), second);
        await Eventually.HoldsAsync(() => second.Count >= 11, "the second snapshot");
        await run.StopAsync();

        second.Items.Should().OnlyContain(c => c.Operation == ChangeOperation.Snapshot);
        second.Items.Select(c => c.After!.Id).Order().Should().Equal(Enumerable.Range(1, 11), "the whole table is read again, as it is now");
    }

    /// <summary>
    /// The first run reads the whole snapshot and a change after its end, but its sink (a task of its own, so the
    /// source reads on while a write waits) fails before anything is committed: the slot the run created goes with
    /// it, so the next run takes the snapshot again instead of streaming from the slot and never delivering the rows
    /// the failed run did not write.
    /// </summary>
    [Fact]
    public async Task AFirstRunThatFailsBeforeItsSnapshotIsCommitted_LeavesNoSlot_SoTheNextRunReadsTheSnapshotAgain()
    {
        string db = await CustomersAsync(10);
        var options = new StreamingOptions
        {
            Parallelism = 1,
            MaxBatchSize = 7,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            CheckpointInterval = Timeout.InfiniteTimeSpan,
            ChainSinks = false,
        };
        var targetDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Customer>(Options(db, "snapshot_failed")))
            .To(Sinks.Action<ChangeRecord<Customer>>(async (r, ct) =>
            {
                await targetDown.Task.WaitAsync(ct);
                throw new InvalidOperationException("the target is down");
            }));
        var failed = new StreamingExecutor(options).Start(p.Build());
        await Eventually.HoldsAsync(() => failed.ElementsRead >= 10, "the snapshot read");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (11, 'c11', 'bronze')");
        await Eventually.HoldsAsync(() => failed.ElementsRead >= 11, "a change after the snapshot's end read");
        targetDown.SetResult();
        await failed.Completion.Invoking(c => c.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<PipelineExecutionException>();
        (await QueryAsync(db, "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'snapshot_failed'")).Should().BeEmpty("the run created the slot and its snapshot reached no sink");

        var second = new Collected<ChangeRecord<Customer>>();
        var run = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "snapshot_failed")), second, Streaming);
        await Eventually.HoldsAsync(() => second.Count >= 11, "the snapshot, read again");
        await run.StopAsync();

        second.Items.Should().OnlyContain(c => c.Operation == ChangeOperation.Snapshot);
        second.Items.Select(c => c.After!.Id).Order().Should().Equal(Enumerable.Range(1, 11));
    }

    [Fact]
    public async Task ARunThatStoresCheckpoints_FindingASlotButNoStoredPosition_TakesTheSnapshotAgain()
    {
        // A run killed inside its initial snapshot (no checkpoint can complete before the snapshot's end) leaves its
        // slot behind without dropping it; the next run resumed that slot and never read the rest of the snapshot.
        string db = await CustomersAsync(40);
        await ExecuteAsync(db, "CREATE PUBLICATION left_behind FOR TABLE customers");
        await ExecuteAsync(db, "SELECT pg_create_logical_replication_slot('left_behind', 'pgoutput')");
        string storage = Path.Combine(Path.GetTempPath(), "pipelines-cdc-left-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new ListLogger();
            var output = new Collected<ChangeRecord<Customer>>();
            var options = new PostgresCdcOptions { ConnectionString = db, Tables = ["customers"], Slot = "left_behind", Logger = log };
            var run = Start(PostgresSources.ChangeDataCapture<Customer>(options), output, new StreamingOptions
            {
                Parallelism = 1,
                IdleTimeout = Timeout.InfiniteTimeSpan,
                CheckpointInterval = TimeSpan.FromMilliseconds(20),
                CheckpointStorage = CheckpointStorage.Directory(storage),
            });
            await Eventually.HoldsAsync(() => output.Count >= 40, "the snapshot, taken again");
            await run.StopAsync();

            output.Items.Where(c => c.Operation == ChangeOperation.Snapshot).Select(c => c.After!.Id).Order().Should().Equal(Enumerable.Range(1, 40));
            log.Messages.Should().Contain(m => m.Contains("the run's checkpoints hold no position of this source"));
        }
        finally
        {
            if (Directory.Exists(storage)) Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public async Task AnExistingPublication_ThatLacksATableOrHasOthers_IsRefusedNamingThem()
    {
        // It was used as it was: a table added to Tables never sent a change, and another table's changes were read as
        // rows of this source, all without a word.
        string db = await CustomersAsync(1);
        await ExecuteAsync(db, "CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL); CREATE PUBLICATION shared FOR TABLE customers, orders; CREATE PUBLICATION only_orders FOR TABLE orders");

        var extra = Start(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions { ConnectionString = db, Tables = ["customers"], Slot = "extra_tables", Publication = "shared" }), new Collected<ChangeRecord<Customer>>());
        (await extra.Completion.Invoking(c => c.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<PipelineExecutionException>())
            .Which.ToString().Should().Contain("publication 'shared' also publishes public.orders");

        var missing = Start(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions { ConnectionString = db, Tables = ["customers"], Slot = "missing_table", Publication = "only_orders" }), new Collected<ChangeRecord<Customer>>());
        (await missing.Completion.Invoking(c => c.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<PipelineExecutionException>())
            .Which.ToString().Should().Contain("publication 'only_orders' exists but does not publish public.customers");

        // A partitioned table's publication lists its partitions: it publishes the table all the same.
        await ExecuteAsync(db, "CREATE TABLE visits (id int, tier text NOT NULL, name text NOT NULL, PRIMARY KEY (id)) PARTITION BY RANGE (id); " +
            "CREATE TABLE visits_low PARTITION OF visits FOR VALUES FROM (0) TO (100); CREATE TABLE visits_high PARTITION OF visits FOR VALUES FROM (100) TO (200); " +
            "INSERT INTO visits VALUES (1, 'gold', 'a'), (150, 'silver', 'b'); CREATE PUBLICATION partitioned FOR TABLE visits");
        var output = new Collected<ChangeRecord<Customer>>();
        var partitioned = Start(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions { ConnectionString = db, Tables = ["visits"], Slot = "partitioned", Publication = "partitioned" }), output);
        await Eventually.HoldsAsync(() => output.Count >= 2 || partitioned.Completion.IsCompleted, "the partitioned table's snapshot");
        await partitioned.StopAsync();
        output.Items.Select(c => c.After!.Id).Order().Should().Equal(1, 150);
    }

    [Fact]
    public async Task ASecondRunOnTheSameSlot_FailsNamingTheSlot()
    {
        string db = await CustomersAsync(1);
        var output = new Collected<ChangeRecord<Customer>>();
        var first = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "one_reader")), output);

        // The slot is active while it is created and again once the stream starts, after the snapshot: wait for that.
        await Eventually.HoldsAsync(() => output.Count >= 1, "the snapshot");
        await Eventually.HoldsAsync(() => SlotExists(db, "one_reader"), "the slot streaming");

        var second = Start(PostgresSources.ChangeDataCapture<Customer>(Options(db, "one_reader")), new Collected<ChangeRecord<Customer>>());
        var failure = await second.Completion.Invoking(c => c.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<PipelineExecutionException>();
        failure.Which.ToString().Should().Contain("one_reader").And.Contain("active");
        await first.StopAsync();
    }

    [Fact]
    public async Task ARowThatDoesNotMap_FollowsTheSourcesErrorPolicy_NamingTableKeyAndColumn()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, score int, tier text NOT NULL); INSERT INTO customers VALUES (1, 10, 'gold'), (2, NULL, 'gold'), (3, 30, 'gold')");
        var letters = new Collected<DeadLetter>();
        var output = new Collected<ChangeRecord<Strict>>();
        var p = new PipelineBuilder().WithDeadLetterSink(letters.Sink);
        p.From(PostgresSources.ChangeDataCapture<Strict>(Options(db, "bad_rows"))).OnError(ErrorPolicy.DeadLetter).To(output.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => output.Count >= 2 && letters.Count >= 1, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (4, 40, 'gold'), (5, NULL, 'gold')");
        await Eventually.HoldsAsync(() => output.Count >= 3 && letters.Count >= 2, "the changes");
        var summary = await run.StopAsync();

        output.Items.Select(c => c.After!.Id).Should().Equal(1, 3, 4);
        summary.ElementsDeadLettered.Should().Be(2);
        var letter = letters.Items[1];
        letter.Element.Should().BeOfType<PostgresRow>().Which["id"].Should().Be(5);
        letter.Exception.Should().BeOfType<PostgresMappingException>().Which.Message.Should().Contain("public.customers").And.Contain("id=5").And.Contain("column score").And.Contain("NULL");
    }

    public sealed record Amount(int Id, decimal Value);

    [Fact]
    public async Task NumericsADecimalCannotHold_AreRowErrors_NotTheEndOfTheStream()
    {
        // NaN, Infinity and 40-digit numerics made Npgsql's read throw, which ended the change stream for good (a
        // restart resumed before the same change). Now the row reaches the mapping and follows the error policy.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, value numeric); INSERT INTO customers VALUES (1, 10.5), (2, 'NaN'), (3, 1234567890123456789012345678901234567890)");
        var letters = new Collected<DeadLetter>();
        var output = new Collected<ChangeRecord<Amount>>();
        var p = new PipelineBuilder().WithDeadLetterSink(letters.Sink);
        p.From(PostgresSources.ChangeDataCapture<Amount>(Options(db, "numerics"))).OnError(ErrorPolicy.DeadLetter).To(output.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => output.Count >= 1 && letters.Count >= 2, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (4, '-Infinity'), (5, 7.25), (6, -98765432109876543210987654321098765432)");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (7, 0.001), (8, 12345.6789), (9, -0.5), (10, 100), (11, 100000000.00), (12, 0), (13, -90000.0001)");
        await Eventually.HoldsAsync(() => output.Count >= 9 && letters.Count >= 4, "the changes");
        await run.StopAsync();

        // The changes come in PostgreSQL's binary form, decoded here digit by digit: every value as the server has it.
        output.Items.Select(c => (c.After!.Id, c.After.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))).Should().Equal(
            (1, "10.5"), (5, "7.25"), (7, "0.001"), (8, "12345.6789"), (9, "-0.5"), (10, "100"), (11, "100000000.00"), (12, "0"), (13, "-90000.0001"));
        letters.Items.Select(l => ((PostgresRow)l.Element!)["value"]).Should().Equal(
            double.NaN, System.Numerics.BigInteger.Parse("1234567890123456789012345678901234567890"),
            double.NegativeInfinity, System.Numerics.BigInteger.Parse("-98765432109876543210987654321098765432"));
        letters.Items.Should().OnlyContain(l => l.Exception is PostgresMappingException && l.Exception.Message.Contains("column value"));
    }

    public sealed record Holding(int Id, decimal[]? Amounts, string Name);

    public sealed record HoldingName(int Id, string Name);

    [Fact]
    public async Task AValueNpgsqlCannotRead_MakesBadOnlyTheRowsThatNeedIt_NotTheEndOfTheStream()
    {
        // A numeric[] holding NaN cannot be read as decimal[]: Npgsql's error ended the snapshot or the change stream
        // for good (a restart resumed before the same row). Now the value is marked unreadable, the row's later
        // columns are still read, and only a row whose type has a member for the column is bad.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE customers (id int PRIMARY KEY, amounts numeric[], name text NOT NULL); INSERT INTO customers VALUES (1, '{1.5,2}', 'a'), (2, '{NaN}', 'b')");
        var letters = new Collected<DeadLetter>();
        var output = new Collected<ChangeRecord<Holding>>();
        var p = new PipelineBuilder().WithDeadLetterSink(letters.Sink);
        p.From(PostgresSources.ChangeDataCapture<Holding>(Options(db, "unreadable"))).OnError(ErrorPolicy.DeadLetter).To(output.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => output.Count >= 1 && letters.Count >= 1, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (3, '{NaN,1}', 'c'), (4, '{3}', 'd')");
        await Eventually.HoldsAsync(() => output.Count >= 2 && letters.Count >= 2, "the changes");
        var summary = await run.StopAsync();

        output.Items.Select(c => (c.After!.Id, string.Join(";", c.After.Amounts!), c.After.Name)).Should().Equal((1, "1.5;2", "a"), (4, "3", "d"));
        summary.ElementsDeadLettered.Should().Be(2);
        letters.Items.Select(l => ((PostgresRow)l.Element!)["name"]).Should().Equal("b", "c");
        letters.Items.Should().OnlyContain(l => l.Exception is PostgresMappingException
            && l.Exception.Message.Contains("column amounts") && l.Exception.Message.Contains("numeric[]") && l.Exception.Message.Contains("a type without a member for this column"));
        letters.Items[1].Exception!.Message.Should().Contain("id=3");

        // A type without a member for the column needs no value of it: every row maps, from the snapshot and the stream.
        var names = new Collected<ChangeRecord<HoldingName>>();
        var q = new PipelineBuilder();
        q.From(PostgresSources.ChangeDataCapture<HoldingName>(Options(db, "unreadable_unmapped"))).To(names.Sink);
        var second = new StreamingExecutor(Streaming).Start(q.Build());
        await Eventually.HoldsAsync(() => names.Count >= 4, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (5, '{NaN}', 'e')");
        await Eventually.HoldsAsync(() => names.Count >= 5, "the change");
        await second.StopAsync();
        names.Items.Select(c => (c.After!.Id, c.After.Name)).Should().Equal((1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e"));
    }

    [Fact]
    public async Task ATypeWithoutAReader_TheOldRowOfAnUpdate_AndRowsTakenWhole_AreBadRowsNamingThemselves()
    {
        // A composite type Npgsql has no mapping for: the columns after it are still read, and a type without a member
        // for it maps every row. With REPLICA IDENTITY FULL an update's old row is read too; when it is the row that
        // cannot map, the bad row is the old one, said so. Taken whole (PostgresRow), a row with such a value is bad.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TYPE pair AS (a int, b int);
            CREATE TABLE customers (id int PRIMARY KEY, p pair, amounts numeric[], name text NOT NULL);
            ALTER TABLE customers REPLICA IDENTITY FULL;
            INSERT INTO customers VALUES (1, ROW(1, 2), '{1}', 'a'), (2, ROW(3, 4), '{NaN}', 'b');
            """);
        var names = new Collected<ChangeRecord<HoldingName>>();
        var nameLetters = new Collected<DeadLetter>();
        var rows = new Collected<ChangeRecord<PostgresRow>>();
        var rowLetters = new Collected<DeadLetter>();
        var byName = new PipelineBuilder().WithDeadLetterSink(nameLetters.Sink);
        byName.From(PostgresSources.ChangeDataCapture<HoldingName>(Options(db, "no_reader_names"))).OnError(ErrorPolicy.DeadLetter).To(names.Sink);
        var whole = new PipelineBuilder().WithDeadLetterSink(rowLetters.Sink);
        whole.From(PostgresSources.ChangeDataCapture<PostgresRow>(Options(db, "no_reader_rows"))).OnError(ErrorPolicy.DeadLetter).To(rows.Sink);
        var first = new StreamingExecutor(Streaming).Start(byName.Build());
        var second = new StreamingExecutor(Streaming).Start(whole.Build());
        await Eventually.HoldsAsync(() => names.Count >= 2 && rowLetters.Count >= 2, "the snapshots");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (3, NULL, '{2}', 'c'); UPDATE customers SET amounts = '{5}', name = 'b2' WHERE id = 2");
        await Eventually.HoldsAsync(() => names.Count >= 4 && rows.Count >= 1 && rowLetters.Count >= 3, "the changes");
        await first.StopAsync();
        await second.StopAsync();

        names.Items.Select(c => (c.Operation, c.After!.Id, c.After.Name, c.Before?.Name)).Should().Equal(
            (ChangeOperation.Snapshot, 1, "a", null), (ChangeOperation.Snapshot, 2, "b", null), (ChangeOperation.Insert, 3, "c", null), (ChangeOperation.Update, 2, "b2", "b"));
        nameLetters.Items.Should().BeEmpty();

        // Taken whole: the rows with a pair are bad (the snapshot's two, the update's old and new rows hold one), the row without one is not.
        rows.Items.Select(c => c.After!["name"]).Should().Equal("c");
        rowLetters.Items.Select(l => ((PostgresRow)l.Element!)["name"]).Should().Equal("a", "b", "b");
        // The type was created after the test's first connection loaded the database's types: named by its OID and why.
        rowLetters.Items.Should().OnlyContain(l => l.Exception!.Message.Contains("column p") && (l.Exception.Message.Contains("pair") || l.Exception.Message.Contains("unknown to the connection")));
        rowLetters.Items[2].Exception!.Message.Should().Contain("the old row");
    }

    [Fact]
    public async Task AColumnNoMemberMaps_IsNotRead_NotEvenAValueNpgsqlCannotRead()
    {
        // Rows are read with the columns their type maps (and the key): a column nothing maps costs no decoding, and
        // a value Npgsql cannot read there (a composite type without a mapping, a numeric[] holding NaN) no error per
        // row — in the snapshot, in inserts, and in the whole old rows of updates and deletes (REPLICA IDENTITY FULL,
        // under which the server marks every column as part of the key).
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TYPE pair AS (a int, b int);
            CREATE TABLE customers (id int PRIMARY KEY, p pair, amounts numeric[], name text NOT NULL);
            ALTER TABLE customers REPLICA IDENTITY FULL;
            INSERT INTO customers VALUES (1, ROW(1, 2), '{NaN}', 'a'), (2, ROW(3, 4), '{1}', 'b');
            """);
        using var errors = new ValueErrors();
        var names = new Collected<ChangeRecord<HoldingName>>();
        var letters = new Collected<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(letters.Sink);
        p.From(PostgresSources.ChangeDataCapture<HoldingName>(Options(db, "unmapped_unread"))).OnError(ErrorPolicy.DeadLetter).To(names.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => names.Count >= 2, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (3, ROW(5, 6), '{NaN}', 'c'); UPDATE customers SET name = 'b2' WHERE id = 2; DELETE FROM customers WHERE id = 1");
        await Eventually.HoldsAsync(() => names.Count >= 5, "the changes");
        await run.StopAsync();

        names.Items.Select(c => (c.Operation, (c.After ?? c.Before)!.Id, c.After?.Name, c.Before?.Name)).Should().Equal(
            (ChangeOperation.Snapshot, 1, "a", null), (ChangeOperation.Snapshot, 2, "b", null), (ChangeOperation.Insert, 3, "c", null),
            (ChangeOperation.Update, 2, "b2", "b"), (ChangeOperation.Delete, 1, null, "a"));
        letters.Items.Should().BeEmpty();
        errors.Seen.Should().BeEmpty("no value of a column nothing maps is decoded");

        // A type that does not map the primary key: a row that does not fit is still named by it (under FULL the
        // server marks every column as key; the key is the table's primary key), and the dead letter holds the
        // columns read — the mapped ones and the key.
        await ExecuteAsync(db, "ALTER TABLE customers ADD COLUMN level int; UPDATE customers SET level = 1");
        var levels = new Collected<ChangeRecord<Leveled>>();
        var levelLetters = new Collected<DeadLetter>();
        var q = new PipelineBuilder().WithDeadLetterSink(levelLetters.Sink);
        q.From(PostgresSources.ChangeDataCapture<Leveled>(Options(db, "unmapped_key"))).OnError(ErrorPolicy.DeadLetter).To(levels.Sink);
        var second = new StreamingExecutor(Streaming).Start(q.Build());
        await Eventually.HoldsAsync(() => levels.Count >= 2, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (4, ROW(7, 8), '{NaN}', 'd', NULL), (5, NULL, NULL, 'e', 2)");
        await Eventually.HoldsAsync(() => levels.Count >= 3 && levelLetters.Count >= 1, "the changes");
        await second.StopAsync();

        levels.Items.Select(c => (c.After!.Name, c.After.Level)).Order().Should().Equal(("b2", 1), ("c", 1), ("e", 2));
        var letter = levelLetters.Items.Should().ContainSingle().Which;
        letter.Exception!.Message.Should().Contain("id=4").And.Contain("column level");
        ((PostgresRow)letter.Element!).Columns.Should().Equal("id", "name", "level");
        errors.Seen.Should().BeEmpty("no value of a column nothing maps is decoded");
    }

    public sealed record Leveled(string Name, int Level);

    public sealed record Unmapped(int Missing);

    [Fact]
    public async Task ATypeThatMapsNoColumn_OfATableWithoutAKey_GetsARecordPerRow()
    {
        // Nothing to read: the snapshot selects no column at all, and the stream reads none; every row still arrives.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE notes (note text); INSERT INTO notes VALUES ('a'), ('b')");
        var output = new Collected<ChangeRecord<Unmapped>>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Unmapped>(new PostgresCdcOptions { ConnectionString = db, Tables = ["notes"], Slot = "no_columns" })).To(output.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => output.Count >= 2, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO notes VALUES ('c')");
        await Eventually.HoldsAsync(() => output.Count >= 3, "the change");
        await run.StopAsync();

        output.Items.Select(c => (c.Operation, c.Table, c.After)).Should().Equal(
            (ChangeOperation.Snapshot, "public.notes", new Unmapped(0)), (ChangeOperation.Snapshot, "public.notes", new Unmapped(0)), (ChangeOperation.Insert, "public.notes", new Unmapped(0)));
    }

    public sealed record Priced(int Id, double Price);

    [Fact]
    public async Task ADomainOverNumeric_IsReadAsANumeric_InTheSnapshotAndTheStream()
    {
        // Npgsql reads a domain over numeric as a decimal, which cannot hold NaN: read as a numeric, NaN fits a double.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE DOMAIN price AS numeric; CREATE TABLE customers (id int PRIMARY KEY, price price); INSERT INTO customers VALUES (1, 2.5), (2, 'NaN')");
        var output = new Collected<ChangeRecord<Priced>>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Priced>(Options(db, "domain_numeric"))).To(output.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => output.Count >= 2, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (3, 'NaN'), (4, 0.25)");
        await Eventually.HoldsAsync(() => output.Count >= 4, "the changes");
        await run.StopAsync();

        output.Items.Select(c => (c.After!.Id, c.After.Price)).Should().Equal((1, 2.5), (2, double.NaN), (3, double.NaN), (4, 0.25));
    }

    [Fact]
    public async Task AQuietTableInABusyDatabase_StillLetsTheSlotAdvance_AndLosesNothingAfter()
    {
        // Transactions on other tables send the slot nothing, so its confirmed position only moved with a captured
        // change: the server kept all their WAL meanwhile. The server's keepalives now move it at checkpoints.
        string db = await CustomersAsync(0);
        await ExecuteAsync(db, "CREATE TABLE busy (id int, payload text)");
        var quiet = new PostgresCdcOptions { ConnectionString = db, Tables = ["customers"], Slot = "quiet_slot", KeepaliveInterval = TimeSpan.FromSeconds(1) };
        var first = new Collected<ChangeRecord<Customer>>();
        var run = Start(PostgresSources.ChangeDataCapture<Customer>(quiet), first);
        await Eventually.HoldsAsync(() => SlotExists(db, "quiet_slot"), "the slot");
        for (int i = 0; i < 5; i++) await ExecuteAsync(db, $"INSERT INTO busy SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g");
        string after = (await QueryAsync(db, "SELECT pg_current_wal_lsn()::text"))[0][0]!.ToString()!;

        await Eventually.HoldsAsync(
            () => QueryAsync(db, $"SELECT confirmed_flush_lsn >= '{after}'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'quiet_slot'").GetAwaiter().GetResult().Single()[0] is true,
            () => $"the slot confirmed past {after} (it is at {ConfirmedFlush(db, "quiet_slot")})");
        first.Count.Should().Be(0);

        // Captured changes after the move arrive, and a restart from the slot repeats none of them and loses none.
        await ExecuteAsync(db, "INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(1, 10) i");
        await Eventually.HoldsAsync(() => first.Count >= 10, "the changes");
        await run.StopAsync(drain: true);
        await ExecuteAsync(db, "INSERT INTO busy VALUES (0, 'more'); INSERT INTO customers SELECT i, 'c' || i, 'bronze' FROM generate_series(11, 15) i");
        var second = new Collected<ChangeRecord<Customer>>();
        run = Start(PostgresSources.ChangeDataCapture<Customer>(quiet), second);
        await Eventually.HoldsAsync(() => second.Count >= 5, "the new changes");
        await run.StopAsync();
        first.Items.Select(c => c.After!.Id).Should().Equal(Enumerable.Range(1, 10));
        second.Items.Select(c => c.After!.Id).Should().Equal(Enumerable.Range(11, 5));
    }

    [Fact]
    public async Task TheRetainedWal_IsPublishedAndWarnedAbove()
    {
        string db = await CustomersAsync(0);
        var logger = new ListLogger();
        var options = new PostgresCdcOptions
        {
            ConnectionString = db, Tables = ["customers"], Slot = "lagging", LagWarningBytes = 100_000, LagCheckInterval = TimeSpan.FromMilliseconds(20), Logger = logger,
        };
        var readings = new List<long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Name == "pipelines.postgres.cdc.retained_wal") l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => { lock (readings) readings.Add(value); });
        listener.Start();

        var output = new Collected<ChangeRecord<Customer>>();
        var run = Start(PostgresSources.ChangeDataCapture<Customer>(options), output, new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan, CheckpointInterval = Timeout.InfiniteTimeSpan });
        await Eventually.HoldsAsync(() => SlotExists(db, "lagging"), "the slot");
        await ExecuteAsync(db, "INSERT INTO customers SELECT i, repeat('x', 200), 'bronze' FROM generate_series(1, 2000) i");
        await Eventually.HoldsAsync(() => output.Count >= 2000, "the changes");
        await Eventually.HoldsAsync(() => logger.Messages.Any(m => m.Contains("slot lagging retains", StringComparison.Ordinal)), "the warning");
        listener.RecordObservableInstruments();
        await run.StopAsync();

        lock (readings) readings.Should().Contain(r => r > 100_000, "the slot keeps the WAL of the unconfirmed insert");
    }

    private static bool SlotExists(string db, string slot) =>
        QueryAsync(db, $"SELECT 1 FROM pg_replication_slots WHERE slot_name = '{slot}' AND active AND confirmed_flush_lsn IS NOT NULL").GetAwaiter().GetResult().Count > 0;

    private static string ConfirmedFlush(string db, string slot) =>
        QueryAsync(db, $"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{slot}'").GetAwaiter().GetResult().Single()[0]!.ToString()!;

    public sealed record Strict(int Id, int Score, string Tier);

    public sealed record Mood(int Id, string Feeling);

    [Fact]
    public async Task AnEnumColumn_IsReadAsItsLabel_InTheSnapshotAndTheStream_EvenForATypeCreatedWhileTheStreamRuns()
    {
        // The first enum is created after the process first connected to the database (the connection loaded its types
        // before the type existed, as a service that runs its migrations at start); the second is created by a
        // migration while the change stream runs.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TYPE feeling AS ENUM ('calm', 'glad');
            CREATE TABLE customers (id int PRIMARY KEY, feeling feeling NOT NULL);
            INSERT INTO customers VALUES (1, 'calm');
            """);
        var moods = new Collected<ChangeRecord<Mood>>();
        var letters = new Collected<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(letters.Sink);
        p.From(PostgresSources.ChangeDataCapture<Mood>(Options(db, "enum_labels"))).OnError(ErrorPolicy.DeadLetter).To(moods.Sink);
        var run = new StreamingExecutor(Streaming).Start(p.Build());
        await Eventually.HoldsAsync(() => moods.Count + letters.Count >= 1, "the snapshot");
        await ExecuteAsync(db, "INSERT INTO customers VALUES (2, 'glad')");
        await Eventually.HoldsAsync(() => moods.Count + letters.Count >= 2, "the insert");
        await ExecuteAsync(db, """
            CREATE TYPE shade AS ENUM ('dark', 'light');
            ALTER TABLE customers ALTER COLUMN feeling TYPE shade USING (CASE feeling WHEN 'calm' THEN 'dark' ELSE 'light' END)::shade;
            INSERT INTO customers VALUES (3, 'light');
            ALTER TABLE customers REPLICA IDENTITY FULL;
            UPDATE customers SET feeling = 'dark' WHERE id = 3;
            """);
        await Eventually.HoldsAsync(() => moods.Count + letters.Count >= 4, "the insert and the update after the migration");
        await run.StopAsync();

        letters.Items.Select(l => l.Exception!.Message).Should().BeEmpty();
        moods.Items.Select(c => c.After).Should().Equal(new Mood(1, "calm"), new Mood(2, "glad"), new Mood(3, "light"), new Mood(3, "dark"));
        moods.Items[3].Before.Should().Be(new Mood(3, "light"), "the old row of an update holds the label too");
    }
}
