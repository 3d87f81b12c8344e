using Pipelines.Checkpoints.Storage;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// A directory storage makes a completed checkpoint durable against a crash of the machine: besides flushing the
/// files, it flushes the directories that name them, the checkpoint's folder again after the manifest's rename.
/// </summary>
public sealed class DirectoryFlushTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipelines-dirflush-" + Guid.NewGuid().ToString("N"), "checkpoints");

    public void Dispose()
    {
        string parent = Path.GetDirectoryName(_root)!;
        if (Directory.Exists(parent)) Directory.Delete(parent, recursive: true);
    }

    [Fact]
    public async Task PublishingAManifest_FlushesTheFolderAndRootBeforeTheRename_AndTheFolderAfterIt()
    {
        var flushes = new List<(string Directory, bool ManifestVisible)>();
        DirectoryCheckpointStorage storage = null!;
        storage = new DirectoryCheckpointStorage(_root, 3, path =>
        {
            Directory.Exists(path).Should().BeTrue($"only existing directories are flushed ({path})");
            flushes.Add((path, File.Exists(Path.Combine(storage.FolderOf(1), DirectoryCheckpointStorage.ManifestName))));
        });

        await storage.WritePartAsync(1, "op-0.state", new byte[] { 1, 2, 3 }, default);
        flushes.Should().BeEmpty("parts are flushed as files; their folder is flushed once, before the manifest is published");
        await storage.PublishManifestAsync(1, new byte[] { 4, 5 }, default);

        string folder = storage.FolderOf(1);
        flushes.Should().Equal(
            (folder, false),
            (_root, false),
            (Path.GetDirectoryName(_root)!, false),
            (folder, true));
        (await storage.ReadManifestAsync(1, default)).Should().Equal(4, 5);
    }

    [Fact]
    public async Task TheRootsParent_IsFlushedOnce_ForTheFirstCheckpoint()
    {
        var flushed = new List<string>();
        var storage = new DirectoryCheckpointStorage(_root, 3, flushed.Add);

        await storage.PublishManifestAsync(1, new byte[] { 1 }, default);
        await storage.PublishManifestAsync(2, new byte[] { 2 }, default);

        flushed.Count(p => p == Path.GetDirectoryName(_root)).Should().Be(1);
        flushed.Count(p => p == storage.FolderOf(2)).Should().Be(2, "before and after the rename");
    }

    [Fact]
    public async Task AFailedDirectoryFlush_FailsThePublication_BeforeTheManifestIsVisible()
    {
        var storage = new DirectoryCheckpointStorage(_root, 3, path => throw new IOException($"Cannot flush directory '{path}'."));

        var publish = async () => await storage.PublishManifestAsync(1, new byte[] { 1 }, default);

        await publish.Should().ThrowAsync<IOException>();
        (await storage.ReadManifestAsync(1, default)).Should().BeNull("a checkpoint whose parts may not be durable is not published");
    }

    [Fact]
    public void ARealDirectory_IsFlushed_WhereThePlatformCanFlushDirectories()
    {
        Directory.CreateDirectory(_root);
        bool posix = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();
        DirectorySync.Supported.Should().Be(posix);

        DirectorySync.Flush(_root);

        var missing = () => DirectorySync.Flush(Path.Combine(_root, "missing"));
        if (posix) missing.Should().Throw<IOException>().WithMessage("*missing*");
        else missing.Should().NotThrow("where directories cannot be flushed, flushing one does nothing");
    }

    [Fact]
    public async Task TheDefaultStorage_PublishesWithRealFlushes()
    {
        var storage = (DirectoryCheckpointStorage)CheckpointStorage.Directory(_root);

        await storage.WritePartAsync(7, "op-0.state", new byte[] { 9 }, default);
        await storage.PublishManifestAsync(7, new byte[] { 8 }, default);

        (await storage.ReadManifestAsync(7, default)).Should().Equal(8);
        File.Exists(Path.Combine(storage.FolderOf(7), DirectoryCheckpointStorage.ManifestName + ".tmp")).Should().BeFalse();
    }
}
