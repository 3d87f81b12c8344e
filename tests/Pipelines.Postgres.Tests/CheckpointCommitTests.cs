using Microsoft.Extensions.Time.Testing;
using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>
/// Exactly-once writing through checkpoint ids: rows staged per checkpoint, committed with the id recorded, recovered
/// on restore — first step by step through the sink contract, then a streaming run killed mid-way and restarted
/// from its checkpoint storage.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CheckpointCommitTests(PostgresFixture fixture) : IDisposable
{
    private readonly string _checkpoints = Path.Combine(Path.GetTempPath(), "pipelines-pg-checkpoints-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_checkpoints)) Directory.Delete(_checkpoints, recursive: true);
    }

    public sealed record Line(long Id, string Text);

    private static Line[] Lines(int from, int to) => [.. Enumerable.Range(from, to - from + 1).Select(i => new Line(i, "line " + i))];

    private static async Task<(long Rows, long Distinct)> CountAsync(string db)
    {
        var row = (await QueryAsync(db, "SELECT count(*), count(DISTINCT id) FROM lines"))[0];
        return ((long)row[0]!, (long)row[1]!);
    }

    private static async Task<long?> RecordedAsync(string db, string id) =>
        (long?)(await QueryAsync(db, $"SELECT checkpoint_id FROM pipelines_sink_commits WHERE sink_id = '{id}'"))[0][0];

    [Fact]
    public async Task AfterKeyedStateThatMovesWithItsPartitions_TheStartIsRefused_AndNoRowStagedByAnotherInstanceIsDiscarded()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE lines (id bigint, text text)");
        var sink = PostgresSinks.Append<Line>(db, "lines", new PostgresSinkOptions { ExactlyOnceId = "lines" });

        // Another instance staged rows for its checkpoint 1 and has not committed them yet.
        await using (var writer = await sink.OpenAsync(default))
        {
            await writer.RecoverAsync(null, default);
            await writer.WriteAsync(Lines(1, 5), default);
            await writer.PreCommitAsync(1, default);
        }

        var p = new PipelineBuilder("moving-state");
        p.From(new PartitionedNumbers(10)).KeyBy(x => x % 2).Scan(0L, (sum, x) => sum + x).Select(sum => new Line(sum, "sum")).To(sink);
        var run = () => new StreamingExecutor(new StreamingOptions { CheckpointStorage = CheckpointStorage.Directory(_checkpoints) })
            .RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(30));

        (await run.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*PostgreSQL sink '{sink.Name}' is exactly-once (ExactlyOnceId 'lines')*keyed state that moves between instances with the partitions of a repartition topic*" +
                "one run's checkpoint ids, which a moved partition does not share*Leave ExactlyOnceId unset and upsert the results by (key, window)*PartitionedByKey = true*drop the Repartition*");
        (await CountAsync(db)).Rows.Should().Be(0, "the refused sink wrote nothing");

        // The other instance's staged rows survived the refused start: their checkpoint still commits them.
        await using (var writer = await sink.OpenAsync(default))
        {
            await writer.RecoverAsync(1, default);
        }

        (await CountAsync(db)).Should().Be((5, 5));
    }

    [Fact]
    public async Task StagedRows_AreVisibleOnlyOnceTheirCheckpointIsCommitted_AndRecoveryCommitsOrDiscardsThem()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE lines (id bigint, text text)");   // no key: a row written twice would show
        var sink = PostgresSinks.Append<Line>(db, "lines", new PostgresSinkOptions { ExactlyOnceId = "lines" });

        // Run 1: checkpoint 1 committed; checkpoint 2 pre-committed, then the process dies before the commit.
        await using (var writer = await sink.OpenAsync(default))
        {
            await writer.RecoverAsync(null, default);
            await writer.WriteAsync(Lines(1, 10), default);
            await writer.PreCommitAsync(1, default);
            (await CountAsync(db)).Rows.Should().Be(0, "pre-committed rows are staged, not in the table");
            await writer.CommitCheckpointAsync(1, default);
            (await CountAsync(db)).Should().Be((10, 10));
            await writer.WriteAsync(Lines(11, 20), default);
            await writer.PreCommitAsync(2, default);
            await writer.WriteAsync(Lines(21, 25), default);   // after the last barrier: never checkpointed
        }

        (await CountAsync(db)).Rows.Should().Be(10);
        (await RecordedAsync(db, "lines")).Should().Be(1);

        // Run 2 restores checkpoint 2 (stored before the crash): its staged rows are committed now, the rows after it
        // are dropped (the restored run writes them again); a second commit of checkpoint 2 writes nothing.
        await using (var writer = await sink.OpenAsync(default))
        {
            await writer.RecoverAsync(2, default);
            (await CountAsync(db)).Should().Be((20, 20));
            (await RecordedAsync(db, "lines")).Should().Be(2);
            await writer.CommitCheckpointAsync(2, default);
            (await CountAsync(db)).Should().Be((20, 20), "checkpoint 2 is recorded, so it is not applied again");
            await writer.WriteAsync(Lines(21, 30), default);
            await writer.PreCommitAsync(3, default);
            await writer.WriteAsync(Lines(31, 35), default);
        }

        // Run 3 restores checkpoint 2 again (checkpoint 3 was never stored): what 3 staged is discarded.
        await using (var writer = await sink.OpenAsync(default))
        {
            await writer.RecoverAsync(2, default);
            (await CountAsync(db)).Should().Be((20, 20));
            await writer.WriteAsync(Lines(21, 40), default);
            await writer.CompleteAsync(default);
        }

        (await CountAsync(db)).Should().Be((40, 40));
        sink.RowsWritten.Should().Be(40);

        // A run that restores a checkpoint older than the one recorded would write rows twice: refused.
        await using (var writer = await sink.OpenAsync(default))
        {
            var act = async () => await writer.RecoverAsync(1, default);
            (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("checkpoint 2 committed").And.Contain("restores checkpoint 1");
        }
    }

    public sealed record NotedLine(long Id, string Text, string Note);

    [Fact]
    public async Task TheStage_FollowsTheTarget_WhenAColumnIsAddedOrWidened()
    {
        // The stage was made once from the target: after a column was added or a varchar widened, every staging
        // failed (column does not exist, value too long) and the sink could not write again.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE lines (id bigint, text varchar(8))");
        var sink = PostgresSinks.Append<Line>(db, "lines", new PostgresSinkOptions { ExactlyOnceId = "lines" });
        await using (var writer = await sink.OpenAsync(default))
        {
            await writer.RecoverAsync(null, default);
            await writer.WriteAsync(Lines(1, 3), default);
            await writer.PreCommitAsync(1, default);
            await writer.CommitCheckpointAsync(1, default);
        }

        await ExecuteAsync(db, "ALTER TABLE lines ALTER COLUMN text TYPE varchar(40), ADD COLUMN note text");
        var noted = PostgresSinks.Append<NotedLine>(db, "lines", new PostgresSinkOptions { ExactlyOnceId = "lines" });
        await using (var writer = await noted.OpenAsync(default))
        {
            await writer.RecoverAsync(1, default);
            await writer.WriteAsync(new[] { new NotedLine(4, "a text longer than eight", "new") }, default);
            await writer.PreCommitAsync(2, default);
            await writer.CommitCheckpointAsync(2, default);
        }

        var rows = await QueryAsync(db, "SELECT id, text, note FROM lines ORDER BY id");
        rows.Select(r => $"{r[0]} {r[1]} {r[2] ?? "-"}").Should().Equal("1 line 1 -", "2 line 2 -", "3 line 3 -", "4 a text longer than eight new");
    }

    [Fact]
    public async Task UpsertsAcrossCheckpoints_KeepTheLastRowOfAKey_AndARefusedRowIsSkipped()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE lines (id bigint PRIMARY KEY, text text CHECK (text <> 'bad'))");
        var sink = PostgresSinks.Upsert<Line>(db, "lines", ["id"], new PostgresSinkOptions { ExactlyOnceId = "upserts", RejectedRows = RejectedRowPolicy.Skip, BatchSize = 3 });
        await using var writer = await sink.OpenAsync(default);
        await writer.RecoverAsync(null, default);
        await writer.WriteAsync(new[] { new Line(1, "a"), new Line(2, "b"), new Line(3, "c"), new Line(1, "a2"), new Line(4, "d") }, default);   // a full batch is staged between checkpoints
        await writer.PreCommitAsync(1, default);
        await writer.WriteAsync(new[] { new Line(2, "b2"), new Line(5, "bad"), new Line(1, "a3") }, default);
        await writer.PreCommitAsync(2, default);
        (await QueryAsync(db, "SELECT count(*) FROM lines"))[0][0].Should().Be(0L);

        await writer.CommitCheckpointAsync(2, default);   // checkpoint 1's commit was missed: 2 takes everything up to it

        var rows = await QueryAsync(db, "SELECT id, text FROM lines ORDER BY id");
        rows.Select(r => ((long)r[0]!, (string)r[1]!)).Should().Equal((1L, "a3"), (2L, "b2"), (3L, "c"), (4L, "d"));
        sink.RowsRejected.Should().Be(1);
        (await RecordedAsync(db, "upserts")).Should().Be(2);
    }

    [Fact]
    public async Task WithoutCheckpointStorageOrSequence_AnExactlyOnceSinkSaysWhatItNeeds()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE lines (id bigint, text text)");
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Lines(1, 5))).To(PostgresSinks.Append<Line>(db, "lines", new PostgresSinkOptions { ExactlyOnceId = "lines" }));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should().Contain("CheckpointStorage").And.Contain("sequence");
    }

    /// <summary>Where the replay source resumes: the index of the next element.</summary>
    public sealed record ReplayPosition(int Next);

    /// <summary>
    /// Lines 0..count-1. Every 250 lines it advances the run's fake clock by the checkpoint interval and waits (a few
    /// seconds of real time at most) for that checkpoint to complete, so checkpoints come at known places; before
    /// <c>failAt</c> it waits a moment for the lines since the last checkpoint to reach the sink (an at-least-once sink
    /// has flushed full batches of them by then), and throws.
    /// </summary>
    private sealed class ReplaySource(int count, int failAt, FakeTimeProvider clock, Func<long> checkpoints) : Source<Line, ReplayPosition>
    {
        public override string Name => "replay";

        public override bool IsBounded => true;

        public int OpenedAt { get; private set; } = -1;

        public override ValueTask<SourceReader<Line, ReplayPosition>> OpenAsync(SourceContext context, ReplayPosition? position, CancellationToken cancellationToken)
        {
            OpenedAt = position?.Next ?? 0;
            return new(new Reader(this, OpenedAt));
        }

        private sealed class Reader(ReplaySource source, int next) : SourceReader<Line, ReplayPosition>
        {
            private long _awaitAbove = -1;

            public override bool CommitsDuringRun => false;

            public override ReplayPosition CapturePosition() => new(next);

            public override ValueTask CommitAsync(ReplayPosition position, CancellationToken cancellationToken) => default;

            public override int TryRead(Span<Line> destination)
            {
                if (_awaitAbove >= 0) return 0;
                int n = 0;
                while (n < destination.Length && next < source.Count && next != source.FailAt)
                {
                    destination[n++] = new Line(next, "line " + next);
                    next++;
                    if (next % 250 == 0)
                    {
                        _awaitAbove = source.Checkpoints();
                        source.Clock.Advance(TimeSpan.FromSeconds(1));
                        break;
                    }
                }

                return n;
            }

            public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
            {
                if (_awaitAbove >= 0)
                {
                    var until = DateTime.UtcNow.AddSeconds(5);
                    while (source.Checkpoints() <= _awaitAbove && DateTime.UtcNow < until) await Task.Delay(2, cancellationToken);
                    _awaitAbove = -1;
                }

                if (next == source.FailAt)
                {
                    await Task.Delay(300, cancellationToken);
                    throw new IOException($"injected failure at line {next}");
                }

                return next < source.Count;
            }
        }

        private int Count => count;

        private int FailAt => failAt;

        private FakeTimeProvider Clock => clock;

        private Func<long> Checkpoints => checkpoints;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AStreamingRunKilledMidWayAndRestored_AppendsEveryRowExactlyOnce(int parallelism)
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE lines (id bigint, text text)");
        const int count = 3000;
        int[] failures = [1190, 2370];   // 190 and 120 lines after the last checkpoint: three full batches of 64, one
        var committedAfterFailure = new List<long>();
        for (int runs = 1; ; runs++)
        {
            runs.Should().BeLessThan(4);
            PipelineRun? run = null;
            int failAt = runs <= failures.Length ? failures[runs - 1] : -1;
            var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
            var source = new ReplaySource(count, failAt, clock, () => run?.CheckpointsCompleted ?? 0);
            var p = new PipelineBuilder("exactly-once-append");
            p.From(source)
             .Select(l => l with { Text = l.Text.ToUpperInvariant() })
             .To(PostgresSinks.Append<Line>(db, "lines", new PostgresSinkOptions { ExactlyOnceId = "append", BatchSize = 64 }));
            var options = new StreamingOptions
            {
                Parallelism = parallelism,
                CheckpointStorage = CheckpointStorage.Directory(_checkpoints),
                CheckpointInterval = TimeSpan.FromSeconds(1),
                TimeProvider = clock,
                IdleTimeout = Timeout.InfiniteTimeSpan,
            };
            run = new StreamingExecutor(options).Start(p.Build());
            try
            {
                await run.Completion;
                failAt.Should().Be(-1, "the run fails where the source is told to");
                break;
            }
            catch (PipelineExecutionException ex) when (ex.ToString().Contains("injected failure", StringComparison.Ordinal))
            {
                committedAfterFailure.Add((await CountAsync(db)).Rows);
                if (runs > 1) source.OpenedAt.Should().BeGreaterThan(0, "the run resumes from its checkpoint");
            }
        }

        committedAfterFailure.Should().HaveCount(2).And.OnlyContain(n => n > 0 && n < count, "checkpoints commit rows while the run goes on");
        (await CountAsync(db)).Should().Be((count, count), "every line once: none lost, none twice");
        (await QueryAsync(db, "SELECT count(*) FROM lines WHERE text <> upper('line ' || id)"))[0][0].Should().Be(0L);
        (await QueryAsync(db, "SELECT count(*) FROM " + Writing.CheckpointStaging.StageTableName("pipelines_sink_commits", "append")))[0][0].Should().Be(0L, "nothing stays staged");
    }
}
