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
    public async Task ConcurrentSaves_LeaveTheNewestPosition()
    {
        string path = _dir["checkpoint.json"];
        using var store = new CheckpointStore(path);
        await Task.WhenAll(Enumerable.Range(1, 40).Select(i => Task.Run(async () => await store.SaveAsync(At(i, i), CancellationToken.None))));
        (await SavedLineAsync(path)).Should().Be(40);
    }
}
