namespace Pipelines.Files.Tests;

/// <summary>A checkpoint finishes the file sink's open files, so a later failure cannot take them back.</summary>
public sealed class SinkCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Lines(params int[] ids) => string.Concat(ids.Select(i => $"{{\"id\":{i},\"text\":\"line {i}\"}}\n"));

    private int[] IdsIn(string file) =>
        [.. File.ReadAllLines(_dir[Path.Combine("out", file)]).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt32())];

    [Fact]
    public async Task ACheckpoint_FinishesTheOpenFiles_WhichAFailureAfterwardsLeavesInPlace()
    {
        string input = _dir["in.jsonl"];
        File.WriteAllText(input, Lines(1, 2, 3, 4, 5));
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(input, new FileSourceOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(10), CheckpointPath = _dir["state.json"] }))
            .Select(l => l.Id == 999 ? throw new InvalidDataException("bad line") : l)
            .To(FileSinks.JsonLines<Line>(_dir["out"]));
        var streaming = new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan, CheckpointInterval = TimeSpan.FromMilliseconds(50) };
        var run = new StreamingExecutor(streaming).Start(p.Build());

        // A checkpoint: the file holding lines 1-5 appears under its final name while the run goes on.
        await Eventually.HoldsAsync(() => _dir.Files("out").Length == 1, "the first file finished by a checkpoint");
        run.Completion.IsCompleted.Should().BeFalse();
        _dir.Files("out").Should().Equal("part-000001.jsonl");
        IdsIn("part-000001.jsonl").Should().Equal(1, 2, 3, 4, 5);

        // The next lines go to a new file, finished at a later checkpoint; checkpoints with nothing written add no file.
        File.AppendAllText(input, Lines(6, 7, 8));
        await Eventually.HoldsAsync(() => _dir.Files("out").Length == 2, "the second file finished by a checkpoint");
        long checkpoints = run.CheckpointsCompleted;
        await Eventually.HoldsAsync(() => run.CheckpointsCompleted >= checkpoints + 3, "more checkpoints with nothing written");
        _dir.Files("out", includeHidden: true).Should().Equal("part-000001.jsonl", "part-000002.jsonl");
        IdsIn("part-000002.jsonl").Should().Equal(6, 7, 8);

        // The run fails: its unfinished file goes, the finished ones stay.
        File.AppendAllText(input, Lines(9, 999));
        var failed = () => run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        await failed.Should().ThrowAsync<PipelineExecutionException>();
        _dir.Files("out", includeHidden: true).Where(f => f.StartsWith('.')).Should().BeEmpty("a failed run deletes its unfinished file");
        _dir.Files("out").Take(2).Should().Equal("part-000001.jsonl", "part-000002.jsonl");
        IdsIn("part-000001.jsonl").Should().Equal(1, 2, 3, 4, 5);
        IdsIn("part-000002.jsonl").Should().Equal(6, 7, 8);
    }
}
