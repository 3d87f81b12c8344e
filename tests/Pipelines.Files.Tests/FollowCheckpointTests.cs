using Pipelines.Files.Reading;

namespace Pipelines.Files.Tests;

/// <summary>A file source with a checkpoint path saves its position at every checkpoint of a streaming run, not only at its end.</summary>
public sealed class FollowCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string CheckpointFile => _dir["state/checkpoint.json"];

    private static string Lines(int from, int to) =>
        string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"{{\"id\":{i},\"text\":\"line {i}\"}}\n"));

    private PipelineRun Start(string path, Collected<Line> output)
    {
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(path, new FileSourceOptions
        {
            Follow = true,
            PollInterval = TimeSpan.FromMilliseconds(10),
            CheckpointPath = CheckpointFile,
        })).To(output.Sink);
        var streaming = new StreamingOptions
        {
            Parallelism = 1,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            CheckpointInterval = TimeSpan.FromMilliseconds(50),
        };
        return new StreamingExecutor(streaming).Start(p.Build());
    }

    /// <summary>The line the saved checkpoint resumes <paramref name="path"/> at (1 when none is saved).</summary>
    private async Task<long> ResumeLineAsync(string path)
    {
        if (!File.Exists(CheckpointFile)) return 1;
        var checkpoint = await Checkpoint.LoadAsync(CheckpointFile, CancellationToken.None);
        return checkpoint.Files.SingleOrDefault(e => e.Path == path)?.Line ?? 1;
    }

    [Fact]
    public async Task TheCheckpointIsSavedWhileTheRunGoesOn_AndARestartAfterACrashResumesFromTheLastOne()
    {
        string path = _dir["app.jsonl"];
        File.WriteAllText(path, Lines(1, 5));
        var first = new Collected<Line>();
        var run = Start(path, first);

        // Saved during the run: every line read so far is covered, and the run has not ended.
        await Eventually.HoldsAsync(() => ResumeLineAsync(path).GetAwaiter().GetResult() == 6, "a checkpoint covering lines 1-5");
        run.Completion.IsCompleted.Should().BeFalse("the checkpoint must be saved while the run goes on");
        run.CheckpointsCompleted.Should().BePositive();

        // More lines, part of them perhaps behind a checkpoint, then a crash: no drain, no final commit.
        File.AppendAllText(path, Lines(6, 20));
        await Eventually.HoldsAsync(() => first.Count >= 20, "lines 6-20 in the first run");
        File.AppendAllText(path, Lines(21, 25));
        await Eventually.HoldsAsync(() => first.Count >= 25, "lines 21-25 in the first run");
        await run.StopAsync(drain: false).WaitAsync(TimeSpan.FromSeconds(30));
        long resumeAt = await ResumeLineAsync(path);
        resumeAt.Should().BeInRange(6, 26);

        // Written while no run reads, then a restart: from the last checkpoint on, to the end.
        File.AppendAllText(path, Lines(26, 30));
        var second = new Collected<Line>();
        run = Start(path, second);
        await Eventually.HoldsAsync(() => second.Count >= 31 - resumeAt, $"lines {resumeAt}-30 in the second run");
        await run.StopAsync(drain: true).WaitAsync(TimeSpan.FromSeconds(30));

        first.Items.Select(l => l.Id).Should().Equal(Enumerable.Range(1, 25));
        second.Items.Select(l => l.Id).Should().Equal(Enumerable.Range((int)resumeAt, 31 - (int)resumeAt), "the second run starts at the last checkpoint");
        first.Items.Concat(second.Items).Select(l => l.Id).Distinct().Order().Should().Equal(Enumerable.Range(1, 30), "no line is lost");
        (await ResumeLineAsync(path)).Should().Be(31, "the drained run saves its final position");
    }
}
