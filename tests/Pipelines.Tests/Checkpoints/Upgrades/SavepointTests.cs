using Pipelines.Checkpoints.Storage;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints.Upgrades;

/// <summary>
/// Stopping with a savepoint and starting a changed pipeline from it: state goes to the operators with the same ids,
/// a pipeline whose stateful operator lost its id is refused naming it (unless state may be dropped), and a
/// savepoint outlives checkpoint retention.
/// </summary>
public sealed class SavepointTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-savepoint-" + Guid.NewGuid().ToString("N"));
    private readonly CapturingLogger _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private StreamingOptions Options(int parallelism, CheckpointStorage? storage = null, string? restoreFrom = null, bool allowNonRestored = false) => new()
    {
        Parallelism = parallelism,
        CheckpointStorage = storage ?? CheckpointStorage.Directory(_directory),
        CheckpointInterval = Timeout.InfiniteTimeSpan,
        IdleTimeout = Timeout.InfiniteTimeSpan,
        RestoreFrom = restoreFrom,
        AllowNonRestoredState = allowNonRestored,
        Logger = _log,
    };

    /// <summary>Runs version 1 over the first <paramref name="stopAt"/> events and stops it with a savepoint.</summary>
    private static async Task<Savepoint> RunUntilSavepointAsync(StreamingOptions options, List<Ev> events, Transactional<(string, DateTimeOffset, long)> output, int stopAt)
    {
        var source = new EventSource(events) { Limit = stopAt };
        var run = new StreamingExecutor(options).Start(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        await Wait.UntilAsync(() => source.Read == stopAt, run, $"{stopAt} elements read");
        var savepoint = await run.StopWithSavepointAsync().WaitAsync(TimeSpan.FromSeconds(30));
        source.Read.Should().Be(stopAt, "the source reads nothing after the savepoint's barrier");
        await FluentActions.Awaiting(() => run.Completion).Should().ThrowAsync<PipelineCanceledException>("a run stopped with a savepoint ends without draining");
        return savepoint;
    }

    [Fact]
    public async Task AChangedPipelineStartedFromASavepoint_GoesOnWithTheSameState_AndWritesEveryWindowExactlyOnce()
    {
        var events = Orders.Events(seed: 5);
        var expected = await Orders.ExpectedAsync(events);
        var output = new Transactional<(string, DateTimeOffset, long)>();

        var savepoint = await RunUntilSavepointAsync(Options(parallelism: 2), events, output, stopAt: 1400);

        savepoint.CheckpointId.Should().BeGreaterThan(0);
        savepoint.Location.Should().Be(Path.Combine(_directory, $"chk-{savepoint.CheckpointId:D20}"));
        savepoint.Summary.ElementsRead.Should().Be(1400);
        var manifest = ManifestCodec.Decode(File.ReadAllBytes(Path.Combine(savepoint.Location, DirectoryCheckpointStorage.ManifestName)));
        manifest.Savepoint.Should().BeTrue();
        manifest.Operators.Should().ContainSingle(o => o.Id == "sums-per-key" && o.Kind == "Window");
        manifest.Sources.Should().ContainSingle(s => s.Id == "events");
        var beforeUpgrade = output.CommittedNow();
        beforeUpgrade.Should().NotBeEmpty("the savepoint commits the windows that fired before it");
        lock (output.Gate) output.Staged.Should().BeEmpty("everything pre-committed up to the savepoint is committed");

        // Version 2: an extra stateless operator before the window, another projection into another sink, another parallelism.
        var source = new EventSource(events);
        await new StreamingExecutor(Options(parallelism: 3)).RunAsync(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output, "transactional-v2"), version: 2));

        source.Opened.Should().Be(1400, "the new version resumes where the savepoint left the source");
        output.Committed.Should().HaveCount(expected.Count, "no window is lost or written twice across the upgrade");
        output.Committed.Should().BeEquivalentTo(expected, "windows open at the savepoint go on with their sums");
        _log.Warnings.Should().BeEmpty();
    }

    [Fact]
    public async Task AStopWithSavepointWhoseWaitIsCancelled_StillStopsTheRun_OnceTheSavepointIsTaken()
    {
        var events = Orders.Events(seed: 7);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var source = new EventSource(events) { Limit = 500 };
        var run = new StreamingExecutor(Options(parallelism: 1)).Start(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        await Wait.UntilAsync(() => source.Read == 500, run, "500 elements read");

        // A shutdown whose deadline has already passed: the caller stops waiting at once.
        await FluentActions.Awaiting(() => run.StopWithSavepointAsync(new CancellationToken(canceled: true))).Should().ThrowAsync<OperationCanceledException>();

        await FluentActions.Awaiting(() => run.Completion.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<PipelineCanceledException>(
            "the savepoint is taken, after which the sources read nothing: the run must stop, not sit there");
        var manifests = Directory.GetDirectories(_directory, "chk-*").Select(d => ManifestCodec.Decode(File.ReadAllBytes(Path.Combine(d, DirectoryCheckpointStorage.ManifestName))));
        manifests.Should().Contain(m => m.Savepoint, "the savepoint was taken");
    }

    [Fact]
    public async Task ASavepointInAnotherDirectory_SeedsANewStorage_ThroughRestoreFrom()
    {
        var events = Orders.Events(seed: 6);
        var expected = await Orders.ExpectedAsync(events);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var savepoint = await RunUntilSavepointAsync(Options(parallelism: 1), events, output, stopAt: 900);

        string next = Path.Combine(_directory, "v2");
        var source = new EventSource(events);
        await new StreamingExecutor(Options(parallelism: 2, CheckpointStorage.Directory(next), restoreFrom: savepoint.Location))
            .RunAsync(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output), version: 2, name: "orders-v2"));

        source.Opened.Should().Be(900);
        output.Committed.Should().BeEquivalentTo(expected);
        Directory.Exists(savepoint.Location).Should().BeTrue("the savepoint is left where it was");
    }

    [Fact]
    public async Task RestoreFrom_AMissingCheckpoint_FailsTheStart_SayingWhy()
    {
        string missing = Path.Combine(_directory, "elsewhere", "chk-00000000000000000007");
        var run = () => new StreamingExecutor(Options(parallelism: 1, restoreFrom: missing))
            .RunAsync(Orders.Sums(new EventSource(Orders.Events(1, 10)), new TransactionalSink<(string, DateTimeOffset, long)>(new())));

        await run.Should().ThrowAsync<InvalidOperationException>().WithMessage("Checkpoint 7 in directory *elsewhere cannot be restored: it has no manifest*");
        var notACheckpoint = () => new StreamingExecutor(Options(parallelism: 1, restoreFrom: _directory))
            .RunAsync(Orders.Sums(new EventSource(Orders.Events(1, 10)), new TransactionalSink<(string, DateTimeOffset, long)>(new())));
        await notACheckpoint.Should().ThrowAsync<InvalidOperationException>().WithMessage("*RestoreFrom*does not name a checkpoint*chk-<id>*");
    }

    [Fact]
    public async Task AStatefulOperatorWhoseUidChanged_IsRefusedNamingIt_UnlessStateMayBeDropped()
    {
        var events = Orders.Events(seed: 7);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        await RunUntilSavepointAsync(Options(parallelism: 2), events, output, stopAt: 1000);

        var refused = () => new StreamingExecutor(Options(parallelism: 2))
            .RunAsync(Orders.Sums(new EventSource(events), new TransactionalSink<(string, DateTimeOffset, long)>(output), windowUid: "sums-v2"));
        (await refused.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("*it holds state of operator 'sums-per-key' (Window 'Window#*' when it was written), which matches no operator of the pipeline.*AllowNonRestoredState*");

        var source = new EventSource(events);
        await new StreamingExecutor(Options(parallelism: 2, allowNonRestored: true))
            .RunAsync(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output), windowUid: "sums-v2"));
        source.Opened.Should().Be(1000, "the source's position is restored: its id did not change");
        _log.Warnings.Should().ContainSingle(w => w.Contains("drops the state of operator 'sums-per-key'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutUids_AnExtraOperatorBeforeTheWindow_ChangesItsDerivedId_AndTheRestoreIsRefused()
    {
        var events = Orders.Events(seed: 8);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var source = new EventSource(events) { Limit = 500 };
        var run = new StreamingExecutor(Options(parallelism: 1)).Start(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output), windowUid: null));
        await Wait.UntilAsync(() => source.Read == 500, run, "500 elements read");
        await run.StopWithSavepointAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var refused = () => new StreamingExecutor(Options(parallelism: 1))
            .RunAsync(Orders.Sums(new EventSource(events), new TransactionalSink<(string, DateTimeOffset, long)>(output), version: 2, windowUid: null));

        await refused.Should().ThrowAsync<InvalidOperationException>().WithMessage("*it holds state of operator 'Window-*' (Window 'Window#*' when it was written), which matches no operator*");
    }

    [Fact]
    public async Task AnIdNowUsedByAnotherKindOfOperator_IsRefusedNamingBoth()
    {
        var events = Orders.Events(seed: 9);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        await RunUntilSavepointAsync(Options(parallelism: 1), events, output, stopAt: 600);

        var p = new PipelineBuilder("orders");
        p.From(new EventSource(events)).Uid("events")
            .KeyBy(e => e.Key).Scan(0L, (sum, e) => sum + e.Value).Uid("sums-per-key")
            .Select(s => ("", DateTimeOffset.UnixEpoch, s)).To(new TransactionalSink<(string, DateTimeOffset, long)>(output));

        var refused = () => new StreamingExecutor(Options(parallelism: 1)).RunAsync(p.Build());

        await refused.Should().ThrowAsync<InvalidOperationException>().WithMessage("*operator 'sums-per-key' (Window*and operator 'Scan#*' with that id is a Scan.*");
    }

    [Fact]
    public async Task StopWithSavepoint_WithoutCheckpointStorage_IsRefused()
    {
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1 })
            .Start(Orders.Sums(new EventSource(Orders.Events(1, 100)) { Limit = 10 }, Sinks.Collection(new List<(string, DateTimeOffset, long)>())));

        await FluentActions.Awaiting(() => run.StopWithSavepointAsync()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*CheckpointStorage*");
        await run.StopAsync(drain: false);
    }

    [Fact]
    public async Task Savepoints_AreNotDeletedByRetention()
    {
        var store = new CheckpointStore(CheckpointStorage.Directory(_directory, retainedCheckpoints: 2), "orders", _log);
        foreach (long id in new long[] { 1, 2, 3, 4, 5, 6 })
        {
            await store.CompleteAsync(new CheckpointManifest { CheckpointId = id, Pipeline = "orders", MaxParallelism = 128, Savepoint = id is 2 or 5 }, default);
        }

        Directory.GetDirectories(_directory).Select(Path.GetFileName).Order().Should().Equal(
            [$"chk-{2:D20}", $"chk-{4:D20}", $"chk-{5:D20}", $"chk-{6:D20}"],
            "the two newest checkpoints are kept, and every savepoint, which does not count among them");
        (await store.LoadLatestAsync(default))!.Manifest.CheckpointId.Should().Be(6);
    }
}
