using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Checkpoints.Storage;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// Which snapshots of a partition's state the shared store keeps: the one stored with the offset its source last
/// reported committed stays, however many checkpoints follow it — the partition's next owner resumes there, and a
/// rebalance can refuse commits for many checkpoints in a row — and offsets older than that one go.
/// </summary>
public sealed class PartitionStateStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipelines-pstore-" + Guid.NewGuid().ToString("N"));
    private readonly object _exchange = new();

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private PartitionStateStore NewStore() => new(CheckpointStorage.Directory(_root, retainedCheckpoints: 3), NullLogger.Instance);

    private async Task WriteAsync(PartitionStateStore store, int partition, long offset) =>
        await store.WriteAsync("op", _exchange, partition, offset, checkpoint: offset, [(byte)offset], CancellationToken.None);

    private static async Task<bool> HasAsync(PartitionStateStore store, int partition, long offset) =>
        await store.ReadAsync("op", partition, offset, CancellationToken.None) is not null;

    [Fact]
    public async Task TheCommittedOffsetsState_IsKept_WhileCheckpointsGoOnWithoutACommit()
    {
        var store = NewStore();
        for (long offset = 10; offset <= 50; offset += 10) await WriteAsync(store, 0, offset);
        store.Committed(_exchange, 0, 30);

        // Twenty checkpoints whose commits the group refuses: none is reported.
        for (long offset = 60; offset <= 250; offset += 10) await WriteAsync(store, 0, offset);

        (await HasAsync(store, 0, 30)).Should().BeTrue("the partition's next owner resumes at the committed offset, 30");
        (await HasAsync(store, 0, 40)).Should().BeTrue("offsets after the committed one may still be committed");
        (await HasAsync(store, 0, 10)).Should().BeFalse("nobody resumes before the committed offset any more");
        (await HasAsync(store, 0, 20)).Should().BeFalse();
        (await HasAsync(store, 0, 250)).Should().BeTrue();
    }

    [Fact]
    public async Task OnceANewerOffsetIsCommitted_TheOlderOnesGo_ButTheNewestFewStay()
    {
        var store = NewStore();
        for (long offset = 10; offset <= 100; offset += 10) await WriteAsync(store, 1, offset);
        store.Committed(_exchange, 1, 90);
        store.Committed(_exchange, 1, 40);
        await WriteAsync(store, 1, 110);

        (await HasAsync(store, 1, 80)).Should().BeFalse("a commit reported late (40) does not bring back older offsets: 90 is the newest committed");
        (await HasAsync(store, 1, 90)).Should().BeTrue();
        (await HasAsync(store, 1, 100)).Should().BeTrue();
        (await HasAsync(store, 1, 110)).Should().BeTrue();
        (await HasAsync(store, 0, 10)).Should().BeFalse("nothing was written for partition 0");
    }

    [Fact]
    public async Task WithoutAnyCommitReported_TheNewest64OffsetsStay()
    {
        var store = NewStore();
        for (long offset = 1; offset <= PartitionStateStore.UnconfirmedLimit + 6; offset++) await WriteAsync(store, 2, offset);

        (await HasAsync(store, 2, 6)).Should().BeFalse();
        (await HasAsync(store, 2, 7)).Should().BeTrue("the newest 64 of 70 offsets are 7 to 70");
        (await HasAsync(store, 2, 70)).Should().BeTrue();
    }

    [Fact]
    public async Task ASourceReportsCommitsThroughItsContext_ForThePartitionsItsKeyedStageKeeps()
    {
        var store = NewStore();
        var context = new SourceContext(TimeProvider.System, isStreaming: true, batchSize: 16, errors: null!);
        context.KeepPartitionedState(_exchange, store);
        for (long offset = 10; offset <= 40; offset += 10) await WriteAsync(store, 3, offset);

        context.PartitionsCommitted([(3, 20)]);
        for (long offset = 50; offset <= 120; offset += 10) await WriteAsync(store, 3, offset);

        (await HasAsync(store, 3, 20)).Should().BeTrue();
        (await HasAsync(store, 3, 10)).Should().BeFalse();
    }
}
