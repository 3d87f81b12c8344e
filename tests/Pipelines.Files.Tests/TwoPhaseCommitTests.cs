namespace Pipelines.Files.Tests;

/// <summary>
/// The file sinks' two-phase commit, driven through the sink contract the streaming executor uses when a run stores
/// checkpoints: a file finished at a barrier stays hidden until its checkpoint is committed; a restarted run publishes
/// what the checkpoint it restores pre-committed and deletes what later checkpoints and unfinished files held.
/// </summary>
public sealed class TwoPhaseCommitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Out => _dir["out"];

    /// <summary>One sink of each format, written and read back as ids.</summary>
    public sealed class Format
    {
        public required string Name { get; init; }

        public required Func<string, Sink<int>> Sink { get; init; }

        public required Func<string, Task<int[]>> Read { get; init; }

        public override string ToString() => Name;
    }

    private static readonly ParquetColumn[] Columns = [new("id", typeof(int))];

    public static TheoryData<Format> Formats => new()
    {
        new Format
        {
            Name = "jsonl",
            Sink = dir => new Mapped<Line>(FileSinks.JsonLines<Line>(dir), i => new Line(i, $"line {i}")),
            Read = file => Task.FromResult<int[]>([.. File.ReadAllLines(file).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt32())]),
        },
        new Format
        {
            Name = "csv",
            Sink = dir => new Mapped<Point>(FileSinks.Csv<Point>(dir), i => new Point(i, -i)),
            Read = file => Task.FromResult<int[]>([.. File.ReadAllLines(file).Skip(1).Select(l => int.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture))]),
        },
        new Format
        {
            Name = "parquet",
            Sink = dir => new Mapped<ParquetRecord>(FileSinks.Parquet(dir, Columns), i => new ParquetRecord(Columns, [i])),
            Read = async file =>
            {
                var read = new List<ParquetRecord>();
                var p = new PipelineBuilder();
                p.From(FileSources.Parquet(file)).To(Sinks.Collection(read));
                await new BoundedExecutor().RunAsync(p.Build());
                return [.. read.Select(r => (int)r.Values[0]!)];
            },
        },
    };

    private string[] Visible() => _dir.Files("out");

    private string[] Hidden() => [.. _dir.Files("out", includeHidden: true).Where(f => f.StartsWith('.'))];

    private async Task<int[]> VisibleIds(Format format)
    {
        var ids = new List<int>();
        foreach (string file in Visible()) ids.AddRange(await format.Read(Path.Combine(Out, file)));
        return [.. ids.Order()];
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task AfterKeyedStateThatMovesWithItsPartitions_TheStartIsRefused_SayingWhyAndWhatToDo(Format format)
    {
        var sink = format.Sink(Out);
        var p = new PipelineBuilder("moving-state");
        p.From(new PartitionedNumbers(10)).KeyBy(x => x % 2).Scan(0, (sum, x) => sum + x).To(sink);
        var run = () => new StreamingExecutor(new StreamingOptions { CheckpointStorage = CheckpointStorage.Directory(_dir["checkpoints"]) })
            .RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(20));

        (await run.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*File sink '{sink.Name}' is exactly-once*keyed state that moves between instances with the partitions of a repartition topic*" +
                "one run's checkpoints, which a moved partition does not share*upserts by (key, window)*PartitionedByKey = true*drop the Repartition*");
        Visible().Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task WithCheckpointStorage_AFileBecomesVisibleOnlyWhenTheCheckpointCoveringItCommits(Format format)
    {
        await using var writer = await format.Sink(Out).OpenAsync(CancellationToken.None);
        await writer.RecoverAsync(null, CancellationToken.None);
        await writer.WriteAsync(new[] { 1, 2 }, CancellationToken.None);
        await writer.PreCommitAsync(1, CancellationToken.None);
        await writer.WriteAsync(new[] { 3 }, CancellationToken.None);
        await writer.PreCommitAsync(2, CancellationToken.None);
        await writer.WriteAsync(new[] { 4 }, CancellationToken.None);

        Visible().Should().BeEmpty("nothing is visible before a checkpoint commits");
        Hidden().Should().Contain(f => f.EndsWith(".pending-00000000000000000001", StringComparison.Ordinal))
            .And.Contain(f => f.EndsWith(".pending-00000000000000000002", StringComparison.Ordinal));

        await writer.CommitCheckpointAsync(1, CancellationToken.None);
        Visible().Should().HaveCount(1);
        (await VisibleIds(format)).Should().Equal(1, 2);

        await writer.CommitCheckpointAsync(2, CancellationToken.None);
        (await VisibleIds(format)).Should().Equal(1, 2, 3);

        await writer.CompleteAsync(CancellationToken.None);
        (await VisibleIds(format)).Should().Equal(1, 2, 3, 4);
        Hidden().Should().BeEmpty("the end of input publishes what the last checkpoint did not cover");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task ARestartedRun_PublishesWhatTheRestoredCheckpointPreCommitted_AndDeletesLaterAndUnfinishedFiles(Format format)
    {
        var sink = format.Sink(Out);
        await using (var crashed = await sink.OpenAsync(CancellationToken.None))
        {
            await crashed.RecoverAsync(null, CancellationToken.None);
            await crashed.WriteAsync(new[] { 1, 2 }, CancellationToken.None);
            await crashed.PreCommitAsync(1, CancellationToken.None);
            await crashed.WriteAsync(new[] { 3 }, CancellationToken.None);
            await crashed.PreCommitAsync(2, CancellationToken.None);
            await crashed.WriteAsync(new[] { 4 }, CancellationToken.None);

            // Checkpoint 1 was stored, but the run failed before the sink heard of it; checkpoint 2 was never stored.
            await crashed.AbortAsync(new IOException("failed"));
        }

        Visible().Should().BeEmpty();
        Hidden().Should().HaveCount(2, "the pending files stay for the next run; the unfinished one goes");

        // What a process killed while writing leaves behind.
        File.WriteAllText(Path.Combine(Out, $".part-999999.{format.Name}.inprogress"), "half a record");
        Hidden().Should().HaveCount(3);

        await using (var restarted = await sink.OpenAsync(CancellationToken.None))
        {
            await restarted.RecoverAsync(1, CancellationToken.None);
            (await VisibleIds(format)).Should().Equal(1, 2);
            Hidden().Should().BeEmpty("checkpoint 2's file and the unfinished file are deleted: the restored run writes their rows again");

            await restarted.WriteAsync(new[] { 3, 4 }, CancellationToken.None);
            await restarted.PreCommitAsync(3, CancellationToken.None);
            await restarted.CommitCheckpointAsync(3, CancellationToken.None);
            await restarted.CompleteAsync(CancellationToken.None);
        }

        (await VisibleIds(format)).Should().Equal(1, 2, 3, 4);
        Visible().Should().OnlyHaveUniqueItems().And.HaveCount(2);
        Hidden().Should().BeEmpty();
    }

    [Fact]
    public async Task FileNames_AreNotReused_AfterACrash_SoAPendingFileNeverLandsOnAnotherFile()
    {
        var sink = FileSinks.JsonLines<Line>(Out);
        await using (var crashed = await sink.OpenAsync(CancellationToken.None))
        {
            await crashed.RecoverAsync(null, CancellationToken.None);
            await crashed.WriteAsync(new[] { new Line(1, "a") }, CancellationToken.None);
            await crashed.PreCommitAsync(1, CancellationToken.None);
            await crashed.AbortAsync(new IOException("failed"));
        }

        Hidden().Should().Equal(".part-000001.jsonl.pending-00000000000000000001");

        // A run that knows nothing of checkpoints numbers its files after the pending one...
        await using (var plain = await sink.OpenAsync(CancellationToken.None))
        {
            await plain.WriteAsync(new[] { new Line(2, "b") }, CancellationToken.None);
            await plain.CompleteAsync(CancellationToken.None);
        }

        Visible().Should().Equal("part-000002.jsonl");

        // ...so a later restore can still publish it under its own name.
        await using (var restored = await sink.OpenAsync(CancellationToken.None))
        {
            await restored.RecoverAsync(1, CancellationToken.None);
            await restored.CompleteAsync(CancellationToken.None);
        }

        Visible().Should().Equal("part-000001.jsonl", "part-000002.jsonl");
    }

    [Fact]
    public async Task WithoutCheckpointStorage_ACheckpointBarrierStillPublishesTheFilesAtOnce()
    {
        await using var writer = await FileSinks.JsonLines<Line>(Out).OpenAsync(CancellationToken.None);
        await writer.WriteAsync(new[] { new Line(1, "a") }, CancellationToken.None);
        await writer.PreCommitAsync(1, CancellationToken.None);
        Visible().Should().Equal("part-000001.jsonl");
        Hidden().Should().BeEmpty();
    }

    [Fact]
    public async Task ARolledFile_WaitsForTheNextCheckpoint()
    {
        var options = new FileSinkOptions { MaxFileBytes = 10 };
        await using var writer = await FileSinks.JsonLines<Line>(Out, options).OpenAsync(CancellationToken.None);
        await writer.RecoverAsync(null, CancellationToken.None);
        await writer.WriteAsync(new[] { new Line(1, "a long enough line"), new Line(2, "another") }, CancellationToken.None);
        Visible().Should().BeEmpty("rolled files are finished but not yet covered by a checkpoint");
        Hidden().Should().HaveCount(2);

        await writer.PreCommitAsync(7, CancellationToken.None);
        await writer.CommitCheckpointAsync(7, CancellationToken.None);
        Visible().Should().Equal("part-000001.jsonl", "part-000002.jsonl");
    }

    /// <summary>Adapts a sink of <typeparamref name="T"/> to ids, so every format is driven by one test.</summary>
    private sealed class Mapped<T>(Sink<T> inner, Func<int, T> map) : Sink<int>
    {
        public override string Name => inner.Name;

        public override async ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) =>
            new Writer(await inner.OpenAsync(cancellationToken), map);

        private sealed class Writer(SinkWriter<T> inner, Func<int, T> map) : SinkWriter<int>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<int> items, CancellationToken cancellationToken) =>
                inner.WriteAsync(items.ToArray().Select(map).ToArray(), cancellationToken);

            public override ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken) => inner.PreCommitAsync(checkpointId, cancellationToken);

            public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken) => inner.CommitCheckpointAsync(checkpointId, cancellationToken);

            public override ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken) => inner.RecoverAsync(restoredCheckpointId, cancellationToken);

            public override ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken) => inner.StartCheckpointsAsync(context, cancellationToken);

            public override ValueTask CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

            public override ValueTask AbortAsync(Exception error) => inner.AbortAsync(error);

            public override async ValueTask DisposeAsync()
            {
                await inner.DisposeAsync();
                await base.DisposeAsync();
            }
        }
    }
}
