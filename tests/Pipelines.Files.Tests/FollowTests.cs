using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Files.Tests;

/// <summary>Follow mode on live files: appends, new files, rotation, truncation, and restarts from a checkpoint.</summary>
public sealed class FollowTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Lines(params int[] ids) => string.Concat(ids.Select(i => $"{{\"id\":{i},\"text\":\"line {i}\"}}\n"));

    private static int[] Range(int from, int to) => [.. Enumerable.Range(from, to - from + 1)];

    private FileSourceOptions Follow(bool checkpoint = false) => new()
    {
        Follow = true,
        PollInterval = TimeSpan.FromMilliseconds(10),
        RotateWait = TimeSpan.FromMilliseconds(50), // a rotated file's last line without a line break comes after it (RotatedFileTests)
        CheckpointPath = checkpoint ? _dir["state/checkpoint.json"] : null,
    };

    /// <summary>Starts a streaming run of <paramref name="pattern"/> into <paramref name="output"/>.</summary>
    private static PipelineRun Start(string pattern, FileSourceOptions options, Collected<Line> output, TimeProvider? clock = null, TimeSpan? checkpointInterval = null)
    {
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(pattern, options)).To(output.Sink);
        var streaming = new StreamingOptions
        {
            Parallelism = 1,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            TimeProvider = clock ?? TimeProvider.System,
            CheckpointInterval = checkpointInterval ?? new StreamingOptions().CheckpointInterval,
        };
        return new StreamingExecutor(streaming).Start(p.Build());
    }

    private static async Task StopAsync(PipelineRun run) => await run.StopAsync(drain: true).WaitAsync(TimeSpan.FromSeconds(30));

    private static Task ReceivedAsync(Collected<Line> output, int count) =>
        Eventually.HoldsAsync(() => output.Count >= count, $"{count} lines (have {output.Count})");

    [Fact]
    public async Task AFileAppendedTo_IsReadAsItGrows_AndAHalfWrittenLineWaitsForItsLineBreak()
    {
        string path = _dir["app.jsonl"];
        File.WriteAllText(path, Lines(1, 2));
        var output = new Collected<Line>();
        var run = Start(path, Follow(), output);
        await ReceivedAsync(output, 2);

        File.AppendAllText(path, Lines(3) + "{\"id\":4,\"te");
        await ReceivedAsync(output, 3);
        File.AppendAllText(path, "xt\":\"line 4\"}\n" + Lines(5));
        await ReceivedAsync(output, 5);

        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal(1, 2, 3, 4, 5);
        run.Completion.IsCompletedSuccessfully.Should().BeTrue();
    }

    [Fact]
    public async Task ANewFileInTheDirectory_IsPickedUp_AndADirectoryThatDoesNotExistYetIsWaitedFor()
    {
        var output = new Collected<Line>();
        var run = Start(_dir["later/*.jsonl"], Follow(), output);
        Directory.CreateDirectory(_dir["later"]);
        File.WriteAllText(_dir["later/a.jsonl"], Lines(1, 2));
        await ReceivedAsync(output, 2);
        File.WriteAllText(_dir["later/b.jsonl"], Lines(3));
        await ReceivedAsync(output, 3);
        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task ARotatedFile_IsReadToItsEnd_AndTheNewFileFromItsStart()
    {
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2, 3));
        var output = new Collected<Line>();
        var run = Start(path, Follow(), output);
        await ReceivedAsync(output, 3);

        // The writer adds to the old file (its last line without a line break), then rotates it away and starts anew.
        File.AppendAllText(path, Lines(4, 5) + "{\"id\":6,\"text\":\"line 6\"}");
        File.Move(path, _dir["app.log.1"]);
        File.WriteAllText(path, Lines(7, 8));
        await ReceivedAsync(output, 8);
        File.AppendAllText(path, Lines(9));
        await ReceivedAsync(output, 9);

        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal(Range(1, 9));
    }

    [Fact]
    public async Task AFileRenamedWithinThePattern_IsFollowedUnderItsNewName_WithoutReadingItAgain()
    {
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2));
        var output = new Collected<Line>();
        var run = Start(_dir["app.log*"], Follow(), output);
        await ReceivedAsync(output, 2);

        File.Move(path, _dir["app.log.1"]);
        File.WriteAllText(path, Lines(10, 11));
        File.AppendAllText(_dir["app.log.1"], Lines(3));
        await ReceivedAsync(output, 5);

        await StopAsync(run);
        output.Items.Select(l => l.Id).Order().Should().Equal(1, 2, 3, 10, 11);
    }

    [Fact]
    public async Task ATruncatedFile_IsReadAgainFromItsStart()
    {
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2, 3));
        var output = new Collected<Line>();
        var run = Start(path, Follow(), output);
        await ReceivedAsync(output, 3);

        await using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        File.AppendAllText(path, Lines(4));
        await ReceivedAsync(output, 4);
        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal(1, 2, 3, 4);
    }

    [Fact]
    public async Task AFileTruncatedAndWrittenPastWhereReadingWas_BeforeTheNextLook_IsReadOnceFromItsStart()
    {
        // The open handle of a file truncated in place shows the new content: reading its "rest" from the old
        // offset gave the new content's tail twice, the first line cut in the middle.
        var clock = new FakeTimeProvider();
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2, 3));
        var output = new Collected<Line>();
        var letters = new Collected<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(letters.Sink);
        p.From(FileSources.JsonLines<Line>(path, Follow())).OnError(ErrorPolicy.DeadLetter).To(output.Sink);
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan, TimeProvider = clock }).Start(p.Build());
        await ReceivedAsync(output, 3);

        // The reader waits for its next look (the fake clock stands still): truncated and rewritten meanwhile.
        File.WriteAllText(path, Lines(Range(10, 19)));
        await Eventually.HoldsAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(10));
                return output.Count >= 13;
            },
            "the rewritten file's 10 lines");
        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal([1, 2, 3, .. Range(10, 19)]);
        letters.Items.Should().BeEmpty();
    }

    [Fact]
    public async Task ACopyThenTruncateRotation_WithTheCopyInThePattern_ReadsNothingTwice()
    {
        // The source polls on the run's clock: a fake one, so it looks only once the rotation is complete. (A look
        // between the copy and the truncation would see two files with the same content, and read the copy too.)
        var clock = new FakeTimeProvider();
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2, 3));
        var output = new Collected<Line>();
        var run = Start(_dir["app.log*"], Follow(), output, clock);
        await ReceivedAsync(output, 3);

        File.Copy(path, _dir["app.log.1"]);
        await using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        File.AppendAllText(path, Lines(4));
        File.AppendAllText(_dir["app.log.1"], Lines(5));
        await Eventually.HoldsAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(10));
                return output.Count >= 5;
            },
            "the lines written after the rotation");
        await StopAsync(run);
        output.Items.Select(l => l.Id).Order().Should().Equal(1, 2, 3, 4, 5);
    }

    [Fact]
    public async Task ARestart_ResumesWhereTheLastRunStopped_WithoutDuplicatesOrGaps()
    {
        string path = _dir["in/app.jsonl"];
        Directory.CreateDirectory(_dir["in"]);
        File.WriteAllText(path, Lines(1, 2, 3));
        var first = new Collected<Line>();
        var run = Start(_dir["in/*.jsonl"], Follow(checkpoint: true), first);
        await ReceivedAsync(first, 3);
        File.AppendAllText(path, Lines(4) + "{\"id\":5,");
        await ReceivedAsync(first, 4);
        await StopAsync(run);
        File.Exists(_dir["state/checkpoint.json"]).Should().BeTrue();

        // While stopped: the half line is finished, more lines and a new file arrive.
        File.AppendAllText(path, "\"text\":\"line 5\"}\n" + Lines(6, 7));
        File.WriteAllText(_dir["in/other.jsonl"], Lines(100, 101));

        var second = new Collected<Line>();
        run = Start(_dir["in/*.jsonl"], Follow(checkpoint: true), second);
        await ReceivedAsync(second, 5);
        File.AppendAllText(path, Lines(8));
        await ReceivedAsync(second, 6);
        await StopAsync(run);

        first.Items.Select(l => l.Id).Should().Equal(1, 2, 3, 4);
        second.Items.Select(l => l.Id).Order().Should().Equal(5, 6, 7, 8, 100, 101);
    }

    [Fact]
    public async Task ARunThatDoesNotFinishCleanly_LeavesTheCheckpoint_SoTheNextRunReadsItsLinesAgain()
    {
        string path = _dir["app.jsonl"];
        File.WriteAllText(path, Lines(1, 2));
        var first = new Collected<Line>();
        var run = Start(path, Follow(checkpoint: true), first);
        await ReceivedAsync(first, 2);
        await StopAsync(run);

        File.AppendAllText(path, Lines(3, 4));
        // No checkpoint during the run either: only the end of a successful run would save its position.
        var second = new Collected<Line>();
        run = Start(path, Follow(checkpoint: true), second, checkpointInterval: Timeout.InfiniteTimeSpan);
        await ReceivedAsync(second, 2);
        await run.StopAsync(drain: false).WaitAsync(TimeSpan.FromSeconds(30));

        var third = new Collected<Line>();
        run = Start(path, Follow(checkpoint: true), third);
        await ReceivedAsync(third, 2);
        await StopAsync(run);

        second.Items.Select(l => l.Id).Should().Equal(3, 4);
        third.Items.Select(l => l.Id).Should().Equal([3, 4], "a cancelled run commits nothing: its lines are read again, none is lost");
    }

    [Fact]
    public async Task ARestartAfterRotation_RecognisesTheRenamedFile_AndReadsOnlyWhatIsNew()
    {
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2));
        var first = new Collected<Line>();
        var run = Start(_dir["app.log*"], Follow(checkpoint: true), first);
        await ReceivedAsync(first, 2);
        await StopAsync(run);

        File.AppendAllText(path, Lines(3));
        File.Move(path, _dir["app.log.1"]);
        File.WriteAllText(path, Lines(4, 5));

        var second = new Collected<Line>();
        run = Start(_dir["app.log*"], Follow(checkpoint: true), second);
        await ReceivedAsync(second, 3);
        await StopAsync(run);
        second.Items.Select(l => l.Id).Order().Should().Equal(3, 4, 5);
    }

    [Fact]
    public async Task Csv_ResumedMidFile_StillMapsByTheFilesHeader()
    {
        string path = _dir["trades.csv"];
        File.WriteAllText(path, "Quantity,Symbol,Price\n1,A,1.5\n");
        var options = Follow(checkpoint: true);

        async Task<List<Trade>> RunOnceAsync(int expected)
        {
            var output = new List<Trade>();
            var p = new PipelineBuilder();
            p.From(FileSources.Csv<Trade>(path, options)).To(Sinks.Collection(output));
            var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).Start(p.Build());
            await Eventually.HoldsAsync(() => { lock (output) return output.Count >= expected; }, $"{expected} trades");
            await StopAsync(run);
            return output;
        }

        (await RunOnceAsync(1)).Should().Equal(new Trade("A", 1.5m, 1));
        File.AppendAllText(path, "2,B,2.5\n");
        (await RunOnceAsync(1)).Should().Equal(new Trade("B", 2.5m, 2));
    }

    [Fact]
    public async Task BatchRunsWithACheckpoint_ReadEachLineOnce()
    {
        string path = _dir["data.jsonl"];
        File.WriteAllText(path, Lines(1, 2));
        var options = new FileSourceOptions { CheckpointPath = _dir["data.checkpoint"] };

        async Task<int[]> BatchAsync()
        {
            var output = new Collected<Line>();
            var p = new PipelineBuilder();
            p.From(FileSources.JsonLines<Line>(_dir["*.jsonl"], options)).To(output.Sink);
            await new BoundedExecutor().RunAsync(p.Build());
            return [.. output.Items.Select(l => l.Id)];
        }

        (await BatchAsync()).Should().Equal(1, 2);
        File.AppendAllText(path, Lines(3));
        File.WriteAllText(_dir["more.jsonl"], Lines(4));
        (await BatchAsync()).Should().Equal(3, 4);
        (await BatchAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task FollowMode_IsUnbounded_AndRefusedByTheBoundedExecutor()
    {
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["*.jsonl"], Follow())).To(Sinks.Action<Line>(_ => { }));
        var act = () => new BoundedExecutor().RunAsync(p.Build());
        await act.Should().ThrowAsync<InvalidOperationException>();
    }
}
