using System.Text;
using Pipelines.Checkpoints.Storage;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints;

public sealed class CheckpointStorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipelines-checkpoints-" + Guid.NewGuid().ToString("N"));
    private readonly CapturingLogger _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private CheckpointStore Store(int retained = 3, string pipeline = "orders") => new(CheckpointStorage.Directory(_root, retained), pipeline, _log);

    private static byte[] Content(long id, int worker) => Encoding.UTF8.GetBytes($"state of checkpoint {id}, worker {worker}: " + new string('x', 100 + worker));

    /// <summary>Writes a checkpoint of two worker parts; completes it (publishes the manifest) unless told not to.</summary>
    private static async Task WriteAsync(CheckpointStore store, long id, bool complete = true)
    {
        var parts = new List<CheckpointPart>();
        for (int w = 0; w < 2; w++) parts.Add(await store.WritePartAsync(id, PartNames.OperatorState("window-1", w), Content(id, w), default));
        if (!complete) return;
        await store.CompleteAsync(new CheckpointManifest
        {
            CheckpointId = id,
            Pipeline = "orders",
            MaxParallelism = 128,
            CompletedAt = DateTimeOffset.UnixEpoch,
            Operators = [new OperatorCheckpoint("window-1", 2, parts)],
            Sources = [new SourceCheckpoint("source-0", null, 42)],
        }, default);
    }

    private string Folder(long id) => Path.Combine(_root, $"chk-{id:D20}");

    private string PartFile(long id, int worker) => Path.Combine(Folder(id), PartNames.OperatorState("window-1", worker));

    private string ManifestFile(long id) => Path.Combine(Folder(id), DirectoryCheckpointStorage.ManifestName);

    [Fact]
    public async Task ACompletedCheckpoint_LoadsBack_WithItsManifestAndParts()
    {
        var store = Store();
        await WriteAsync(store, 1);
        await WriteAsync(store, 2);

        var loaded = await store.LoadLatestAsync(default);

        loaded.Should().NotBeNull();
        loaded!.Manifest.CheckpointId.Should().Be(2);
        loaded.Manifest.Operators.Single().Parallelism.Should().Be(2);
        loaded.Manifest.Sources.Single().Watermark.Should().Be(42);
        loaded.Parts[PartNames.OperatorState("window-1", 1)].Should().Equal(Content(2, 1));
        File.Exists(ManifestFile(2) + ".tmp").Should().BeFalse("the manifest is written under a temporary name and renamed into place");
        _log.Warnings.Should().BeEmpty();
        (await store.LatestIdAsync(default)).Should().Be(2);
    }

    [Fact]
    public async Task NoCheckpoint_LoadsNothing()
    {
        (await Store().LoadLatestAsync(default)).Should().BeNull();
        (await Store().LatestIdAsync(default)).Should().Be(0);
    }

    [Fact]
    public async Task PartsWithoutAManifest_AreNotACheckpoint()
    {
        var store = Store();
        await WriteAsync(store, 1);
        await WriteAsync(store, 2, complete: false);

        (await store.LoadLatestAsync(default))!.Manifest.CheckpointId.Should().Be(1);
        _log.Warnings.Should().ContainSingle().Which.Should().Contain("checkpoint 2").And.Contain("no manifest");
        (await store.LatestIdAsync(default)).Should().Be(2, "new checkpoints are numbered after every stored one");
    }

    public static TheoryData<string> Damages => ["truncate part", "delete part", "flip part byte", "delete manifest", "truncate manifest", "flip manifest byte", "flip manifest checksum"];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task ADamagedNewestCheckpoint_IsSkipped_ForThePreviousComplete_WithAWarning(string damage)
    {
        var store = Store();
        await WriteAsync(store, 1);
        await WriteAsync(store, 2);
        Damage(2, damage);

        var loaded = await store.LoadLatestAsync(default);

        loaded!.Manifest.CheckpointId.Should().Be(1);
        loaded.Parts[PartNames.OperatorState("window-1", 0)].Should().Equal(Content(1, 0));
        _log.Warnings.Should().ContainSingle().Which.Should().Contain("checkpoint 2").And.Contain("skipped");
    }

    private void Damage(long id, string damage)
    {
        switch (damage)
        {
            case "truncate part":
                File.WriteAllBytes(PartFile(id, 1), File.ReadAllBytes(PartFile(id, 1))[..50]);
                break;
            case "delete part":
                File.Delete(PartFile(id, 0));
                break;
            case "flip part byte":
                Flip(PartFile(id, 1), 60);
                break;
            case "delete manifest":
                File.Delete(ManifestFile(id));
                break;
            case "truncate manifest":
                File.WriteAllBytes(ManifestFile(id), File.ReadAllBytes(ManifestFile(id))[..^20]);
                break;
            case "flip manifest byte":
                Flip(ManifestFile(id), File.ReadAllBytes(ManifestFile(id)).Length - 30);
                break;
            case "flip manifest checksum":
                Flip(ManifestFile(id), 10);
                break;
        }
    }

    private static void Flip(string path, int at)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[at] ^= 0x04;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public async Task WhenEveryCheckpointIsDamaged_NothingIsRestored_AndEachIsReported()
    {
        var store = Store();
        await WriteAsync(store, 1);
        await WriteAsync(store, 2);
        Damage(1, "flip part byte");
        Damage(2, "delete manifest");

        (await store.LoadLatestAsync(default)).Should().BeNull();
        _log.Warnings.Should().HaveCount(2);
    }

    [Fact]
    public async Task ACheckpointOfAnotherPipeline_IsNotRestored()
    {
        await WriteAsync(Store(), 1);
        (await Store(pipeline: "payments").LoadLatestAsync(default)).Should().BeNull();
        _log.Warnings.Should().ContainSingle().Which.Should().Contain("belongs to pipeline 'orders'");
    }

    [Fact]
    public async Task OnlyTheNewestCompletedCheckpoints_AreKept()
    {
        var store = Store(retained: 2);
        await WriteAsync(store, 1);
        await WriteAsync(store, 2);
        await WriteAsync(store, 3, complete: false);
        await WriteAsync(store, 4);
        await WriteAsync(store, 5);

        Directory.GetDirectories(_root).Select(Path.GetFileName).Should().BeEquivalentTo([$"chk-{4:D20}", $"chk-{5:D20}"],
            "the two newest completed are kept; older ones, and the incomplete one before them, are deleted");
        (await store.LoadLatestAsync(default))!.Manifest.CheckpointId.Should().Be(5);
    }

    [Fact]
    public async Task PartNames_CannotLeaveTheCheckpoint()
    {
        var store = Store();
        await FluentActions.Awaiting(async () => await store.WritePartAsync(1, "../escape", new byte[1], default)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(async () => await store.WritePartAsync(1, "_manifest", new byte[1], default)).Should().ThrowAsync<ArgumentException>();
        PartNames.OperatorState("Window(Tumbling 1 min) #3", 0).Should().MatchRegex("^[A-Za-z0-9._-]+$");
        PartNames.OperatorState("a/b", 0).Should().NotBe(PartNames.OperatorState("a_b", 0));
    }
}
