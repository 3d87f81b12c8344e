using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Files.Tests;

/// <summary>
/// Follow mode on a file rotated out of the pattern (<c>app.log</c> renamed to <c>app.log.1</c>, or copied there and
/// truncated): its writer keeps appending to it until it reopens its log, and a restart must find it again. Every
/// run polls on a fake clock, so the rotate wait passes only when a test moves the clock.
/// </summary>
public sealed class RotatedFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Lines(params int[] ids) => string.Concat(ids.Select(i => $"{{\"id\":{i},\"text\":\"line {i}\"}}\n"));

    private string Checkpoint => _dir["state/checkpoint.json"];

    private FileSourceOptions Follow(bool checkpoint = false) => new()
    {
        Follow = true,
        PollInterval = TimeSpan.FromMilliseconds(10),
        RotateWait = TimeSpan.FromHours(1),
        CheckpointPath = checkpoint ? Checkpoint : null,
    };

    private static PipelineRun Start(string pattern, FileSourceOptions options, Collected<Line> output, TimeProvider clock)
    {
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(pattern, options)).To(output.Sink);
        return new StreamingExecutor(new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan, TimeProvider = clock }).Start(p.Build());
    }

    private static async Task StopAsync(PipelineRun run) => await run.StopAsync(drain: true).WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Moves the clock a poll at a time until <paramref name="count"/> lines have arrived.</summary>
    private static Task ReceivedAsync(FakeTimeProvider clock, Collected<Line> output, int count) =>
        Eventually.HoldsAsync(
            () =>
            {
                if (output.Count >= count) return true;
                clock.Advance(TimeSpan.FromMilliseconds(10));
                return false;
            },
            $"{count} lines (have {output.Count})");

    /// <summary>Lines 1 to 50: more than the first KiB that identifies a file, so a rotated one is looked for beside the pattern's files.</summary>
    private static readonly int[] Head = Range(1, 50);

    private static int[] Range(int from, int to) => [.. Enumerable.Range(from, to - from + 1)];

    [Fact]
    public async Task AFileRenamedOutOfThePattern_IsReadOnWhileItsWriterAppends_AndItsLastLineOnceQuietForTheRotateWait()
    {
        var clock = new FakeTimeProvider();
        File.WriteAllText(_dir["app.log"], Lines(1, 2, 3));
        var output = new Collected<Line>();
        var run = Start(_dir["*.log"], Follow(), output, clock);
        await ReceivedAsync(clock, output, 3);

        // Rotated out of the pattern; a new file is seen by the same look that sees the rotation.
        File.Move(_dir["app.log"], _dir["app.log.1"]);
        File.WriteAllText(_dir["b.log"], Lines(20));
        await ReceivedAsync(clock, output, 4);

        // The application has not reopened its log yet: it still writes to the renamed file, its last line unfinished.
        File.AppendAllText(_dir["app.log.1"], Lines(4) + "{\"id\":5,\"text\":\"line 5\"}");
        await ReceivedAsync(clock, output, 5);
        clock.Advance(TimeSpan.FromHours(1));
        await ReceivedAsync(clock, output, 6);

        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal(1, 2, 3, 20, 4, 5);
    }

    [Fact]
    public async Task ARotatedFile_IsFinishedOnceItsWriterWritesToItsNewLog_AndReadBeforeIt()
    {
        var clock = new FakeTimeProvider();
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2));
        var output = new Collected<Line>();
        var run = Start(path, Follow(), output, clock);
        await ReceivedAsync(clock, output, 2);

        File.Move(path, _dir["app.log.1"]);
        File.AppendAllText(_dir["app.log.1"], Lines(3) + "{\"id\":4,\"text\":\"line 4\"}");
        File.WriteAllText(path, Lines(10, 11));
        await ReceivedAsync(clock, output, 6);

        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal(1, 2, 3, 4, 10, 11);
    }

    [Fact]
    public async Task ACopyThenTruncateRotation_WithTheCopyOutsideThePattern_ReadsTheLinesTheReaderHadNotReached()
    {
        var clock = new FakeTimeProvider();
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(Head));
        var output = new Collected<Line>();
        var run = Start(path, Follow(), output, clock);
        await ReceivedAsync(clock, output, 50);

        // While the reader waits for its next look: one more line, then the copy and the truncation.
        File.AppendAllText(path, Lines(51));
        File.Copy(path, _dir["app.log.1"]);
        await using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        File.AppendAllText(path, Lines(100));
        await ReceivedAsync(clock, output, 52);

        await StopAsync(run);
        output.Items.Select(l => l.Id).Should().Equal([.. Head, 51, 100]);
    }

    [Fact]
    public async Task ACheckpoint_RecordsARotatedFileUnderItsNewName_SoARestartReadsWhatItsWriterAddedSince()
    {
        var clock = new FakeTimeProvider();
        File.WriteAllText(_dir["app.log"], Lines(Head));
        var first = new Collected<Line>();
        var run = Start(_dir["*.log"], Follow(checkpoint: true), first, clock);
        await ReceivedAsync(clock, first, 50);
        File.Move(_dir["app.log"], _dir["app.log.1"]);
        File.WriteAllText(_dir["b.log"], Lines(200));
        await ReceivedAsync(clock, first, 51);
        await StopAsync(run);
        File.ReadAllText(Checkpoint).Should().Contain("app.log.1", "the rotated file is still within its rotate wait");

        // While no run read: its writer added a line and half of one, then reopened its log (the name it was rotated from).
        File.AppendAllText(_dir["app.log.1"], Lines(51) + "{\"id\":52,\"text\":\"line 52\"}");
        File.WriteAllText(_dir["app.log"], Lines(100));
        var second = new Collected<Line>();
        run = Start(_dir["*.log"], Follow(checkpoint: true), second, clock);
        await ReceivedAsync(clock, second, 3);
        await StopAsync(run);

        first.Items.Select(l => l.Id).Should().Equal([.. Head, 200]);
        second.Items.Select(l => l.Id).Should().Equal(51, 52, 100);
    }

    [Fact]
    public async Task ARotatedFileRenamedBackIntoThePattern_IsFollowedThere_NotReadAgain()
    {
        var clock = new FakeTimeProvider();
        File.WriteAllText(_dir["app.log"], Lines(Head));
        var output = new Collected<Line>();
        var run = Start(_dir["*.log"], Follow(), output, clock);
        await ReceivedAsync(clock, output, 50);
        File.Move(_dir["app.log"], _dir["app.log.1"]);
        File.WriteAllText(_dir["b.log"], Lines(200));
        await ReceivedAsync(clock, output, 51);

        File.Move(_dir["app.log.1"], _dir["archived.log"]);
        File.AppendAllText(_dir["archived.log"], Lines(51));
        File.WriteAllText(_dir["c.log"], Lines(300));
        await ReceivedAsync(clock, output, 53);
        await StopAsync(run);

        output.Items.Select(l => l.Id).Order().Should().Equal([.. Head, 51, 200, 300]);
    }

    [Fact]
    public async Task ARunThatStarts_FindsAFileRotatedWhileNoRunWasReading_AndReadsTheLinesWrittenBeforeTheRotation()
    {
        var clock = new FakeTimeProvider();
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(Head));
        var first = new Collected<Line>();
        var run = Start(path, Follow(checkpoint: true), first, clock);
        await ReceivedAsync(clock, first, 50);
        await StopAsync(run);

        File.AppendAllText(path, Lines(51));
        File.Move(path, _dir["app.log.1"]);
        File.WriteAllText(path, Lines(100, 101));

        var second = new Collected<Line>();
        run = Start(path, Follow(checkpoint: true), second, clock);
        await ReceivedAsync(clock, second, 3);
        await StopAsync(run);

        second.Items.Select(l => l.Id).Should().Equal(51, 100, 101);
    }

    [Fact]
    public async Task ARunThatStarts_DoesNotTakeAnotherFileThatStartsLikeAShortOne_ForItsRest()
    {
        // A file shorter than its identity's KiB: another file beginning with the same lines is not taken for it.
        var clock = new FakeTimeProvider();
        string path = _dir["app.log"];
        File.WriteAllText(path, Lines(1, 2));
        var first = new Collected<Line>();
        var run = Start(path, Follow(checkpoint: true), first, clock);
        await ReceivedAsync(clock, first, 2);
        await StopAsync(run);

        File.Delete(path);
        File.WriteAllText(_dir["app.log.old"], Lines(1, 2, 3, 4));
        File.WriteAllText(path, Lines(100, 101));
        var second = new Collected<Line>();
        run = Start(path, Follow(checkpoint: true), second, clock);
        await ReceivedAsync(clock, second, 2);
        await StopAsync(run);

        second.Items.Select(l => l.Id).Take(2).Should().Equal(100, 101);
    }

    [Fact]
    public void ANegativeRotateWait_IsRefused()
    {
        var act = () => FileSources.JsonLines<Line>(_dir["app.log"], new FileSourceOptions { Follow = true, RotateWait = TimeSpan.FromSeconds(-1) });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*RotateWait*");
    }
}
