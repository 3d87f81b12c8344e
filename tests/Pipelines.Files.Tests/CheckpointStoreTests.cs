using Pipelines.Files.Reading;

namespace Pipelines.Files.Tests;

/// <summary>Saves of a source's position: atomic, one at a time, never an older one over a newer one.</summary>
public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static FilePosition At(long sequence, long line) =>
        new([new FileOffset("/in/app.jsonl", 4, "ABCD", line * 10, line)]) { Sequence = sequence };

    private async Task<long> SavedLineAsync(string path) => (await Checkpoint.LoadAsync(path, CancellationToken.None)).Files.Single().Line;

    [Fact]
    public async Task AnOlderPosition_ArrivingAfterANewerOne_IsNotSaved()
    {
        string path = _dir["state/checkpoint.json"];
        using var store = new CheckpointStore(path);
        await store.SaveAsync(At(1, 5), CancellationToken.None);
        (await SavedLineAsync(path)).Should().Be(5);

        await store.SaveAsync(At(3, 9), CancellationToken.None);
        await store.SaveAsync(At(2, 7), CancellationToken.None);
        (await SavedLineAsync(path)).Should().Be(9);
        _dir.Files("state", includeHidden: true).Should().Equal("checkpoint.json");
    }

    [Fact]
    public async Task TheFileASaveWritesFirst_IsNotOneASourceOfItsDirectoryReads()
    {
        // A checkpoint kept among the files it records (in/*.jsonl beside in/pos.jsonl): a rescan while a save was
        // writing, or a save cut short by a crash, made its temporary file an input, read as malformed records.
        string checkpoint = _dir["in/pos.jsonl"];
        string temporary = Checkpoint.TemporaryPath(checkpoint);
        Path.GetDirectoryName(temporary).Should().Be(Path.GetDirectoryName(checkpoint));
        FilePattern.Parse(_dir["in/*"]).IsMatch(Path.GetFileName(temporary)).Should().BeFalse();
        FilePattern.Parse(_dir["in/*.jsonl"]).IsMatch(Path.GetFileName(temporary)).Should().BeFalse();
        FilePattern.Parse(_dir["in/pos*"]).IsMatch(Path.GetFileName(temporary)).Should().BeFalse();

        // What a save cut short leaves behind is not read by the next run.
        Directory.CreateDirectory(_dir["in"]);
        await File.WriteAllTextAsync(_dir["in/a.jsonl"], "{\"id\":1,\"text\":\"a\"}\n");
        await File.WriteAllTextAsync(temporary, "{\"version\":");
        var output = new Collected<Line>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Fail);
        p.From(FileSources.JsonLines<Line>(_dir["in/*"], new FileSourceOptions { CheckpointPath = checkpoint })).To(output.Sink);
        await new BoundedExecutor().RunAsync(p.Build());
        output.Items.Select(l => l.Id).Should().Equal(1);
    }

    [Fact]
    public async Task ConcurrentSaves_LeaveTheNewestPosition()
    {
        string path = _dir["checkpoint.json"];
        using var store = new CheckpointStore(path);
        await Task.WhenAll(Enumerable.Range(1, 40).Select(i => Task.Run(async () => await store.SaveAsync(At(i, i), CancellationToken.None))));
        (await SavedLineAsync(path)).Should().Be(40);
    }
}
