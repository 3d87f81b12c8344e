using Microsoft.Extensions.Time.Testing;
using Pipelines.Tests.Checkpoints.Upgrades;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// Once a checkpoint's manifest is stored a restart resumes after it, so its sinks must commit what they staged for
/// it even when the run is stopped or fails at that moment; the sinks' abort at the end of the run then finds only
/// transactions of checkpoints that were not stored.
/// </summary>
public sealed class SecondPhaseTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-second-phase-" + Guid.NewGuid().ToString("N"));
    private readonly CapturingLogger _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// A two-phase sink that behaves like a transactional producer: a commit honours its token (a cancelled one commits
    /// nothing), and aborting the run discards every staged transaction it was not told to commit.
    /// </summary>
    private sealed class ProducerLikeSink<T>(Transactional<T> target) : Sink<T>
    {
        public override string Name => "producer-like";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(target));

        private sealed class Writer(Transactional<T> target) : SinkWriter<T>
        {
            private List<T> _open = [];

            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                _open.AddRange(items.Span);
                return default;
            }

            public override ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
            {
                lock (target.Gate) target.Staged[checkpointId] = _open;
                _open = [];
                return default;
            }

            public override async ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
            {
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                target.CommitUpTo(checkpointId);
                lock (target.Gate) target.CommittedCheckpoints.Add(checkpointId);
                Interlocked.Increment(ref target.Settled);
            }

            public override ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken)
            {
                target.CommitUpTo(restoredCheckpointId ?? 0);
                lock (target.Gate) target.Staged.Clear();
                return default;
            }

            public override ValueTask AbortAsync(Exception error)
            {
                lock (target.Gate)
                {
                    target.AbortedCheckpoints.AddRange(target.Staged.Keys);
                    target.Staged.Clear();
                }

                return default;
            }

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                target.CommitUpTo(long.MaxValue);
                lock (target.Gate) target.Committed.AddRange(_open);
                _open = [];
                return default;
            }
        }
    }

    /// <summary>A directory storage that calls <paramref name="published"/> with the attempt (from 1) right after each manifest is stored.</summary>
    private sealed class HookedStorage(string path, Action<int> published) : CheckpointStorage
    {
        private readonly CheckpointStorage _inner = Directory(path);
        private int _attempts;

        public override string ToString() => "hooked " + _inner;

        protected internal override ValueTask WritePartAsync(long checkpointId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            _inner.WritePartAsync(checkpointId, name, content, cancellationToken);

        protected internal override ValueTask<byte[]?> ReadPartAsync(long checkpointId, string name, CancellationToken cancellationToken) =>
            _inner.ReadPartAsync(checkpointId, name, cancellationToken);

        protected internal override async ValueTask PublishManifestAsync(long checkpointId, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken)
        {
            await _inner.PublishManifestAsync(checkpointId, manifest, cancellationToken);
            published(Interlocked.Increment(ref _attempts));
        }

        protected internal override ValueTask<byte[]?> ReadManifestAsync(long checkpointId, CancellationToken cancellationToken) =>
            _inner.ReadManifestAsync(checkpointId, cancellationToken);

        protected internal override ValueTask<IReadOnlyList<long>> ListCheckpointsAsync(CancellationToken cancellationToken) =>
            _inner.ListCheckpointsAsync(cancellationToken);

        protected internal override ValueTask DeleteCheckpointAsync(long checkpointId, CancellationToken cancellationToken) =>
            _inner.DeleteCheckpointAsync(checkpointId, cancellationToken);
    }

    private StreamingOptions Options(CheckpointStorage storage, FakeTimeProvider clock) => new()
    {
        Parallelism = 2,
        CheckpointStorage = storage,
        CheckpointInterval = TimeSpan.FromSeconds(1),
        TimeProvider = clock,
        IdleTimeout = Timeout.InfiniteTimeSpan,
        Logger = _log,
    };

    /// <summary>
    /// The run is stopped without draining (<see cref="PipelineRun.StopAsync"/>, or its token is cancelled) from inside
    /// the storage right after the third manifest is stored. That checkpoint's sink still commits, the abort that
    /// follows discards nothing it covered, and the run restored from it ends with the output of an uninterrupted run,
    /// each result once.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ARunStoppedRightAfterAManifestIsStored_StillCommitsThatCheckpoint_AndTheRestoredRunLosesNothing(bool byToken)
    {
        var events = Orders.Events(seed: 21, count: 2000);
        var expected = await Orders.ExpectedAsync(events);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        using var cancel = new CancellationTokenSource();
        PipelineRun? run = null;
        var storage = new HookedStorage(_directory, attempt =>
        {
            if (attempt != 3) return;
            if (byToken) cancel.Cancel();
            else _ = run!.StopAsync(drain: false);
        });
        var clock = new FakeTimeProvider(Ev.T0);
        var source = new EventSource(events, clock, tick: 100, () => Volatile.Read(ref output.Settled));
        run = new StreamingExecutor(Options(storage, clock)).Start(Orders.Sums(source, new ProducerLikeSink<(string, DateTimeOffset, long)>(output)), cancel.Token);
        await FluentActions.Awaiting(() => run.Completion).Should().ThrowAsync<PipelineCanceledException>();

        long stored = Directory.GetDirectories(_directory, "chk-*")
            .Where(d => File.Exists(Path.Combine(d, "_manifest")))
            .Max(d => long.Parse(Path.GetFileName(d)[4..], System.Globalization.CultureInfo.InvariantCulture));
        lock (output.Gate)
        {
            output.CommittedCheckpoints.Should().Contain(stored, "the checkpoint whose manifest was stored commits though the run stops");
            output.AbortedCheckpoints.Should().NotContain(id => id <= stored, "only transactions of checkpoints that were not stored are aborted");
        }

        _log.Warnings.Should().NotContain(w => w.Contains("could not commit", StringComparison.Ordinal));

        var restartClock = new FakeTimeProvider(Ev.T0);
        var restarted = new EventSource(events, restartClock, tick: 100, () => Volatile.Read(ref output.Settled));
        await new StreamingExecutor(Options(CheckpointStorage.Directory(_directory), restartClock))
            .RunAsync(Orders.Sums(restarted, new ProducerLikeSink<(string, DateTimeOffset, long)>(output)));

        restarted.Opened.Should().BeGreaterThan(0, "the second run resumes from the stored checkpoint");
        output.CommittedNow().Should().BeEquivalentTo(expected, "nothing the stored checkpoint covered is lost, and nothing is written twice");
    }

    /// <summary>A sink whose commit of a stored checkpoint fails is logged as an error naming the checkpoint and the sink, and the run fails; a restart commits what it staged.</summary>
    [Fact]
    public async Task ASinkThatCannotCommitAStoredCheckpoint_IsLoggedAsAnError_AndTheRestartCommitsIt()
    {
        var events = Orders.Events(seed: 22, count: 2000);
        var expected = await Orders.ExpectedAsync(events);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);
        var source = new EventSource(events, clock, tick: 100, () => Volatile.Read(ref output.Settled));
        var failing = new FailingCommitSink<(string, DateTimeOffset, long)>(output, failAt: 2);

        var act = () => new StreamingExecutor(Options(CheckpointStorage.Directory(_directory), clock)).RunAsync(Orders.Sums(source, failing));

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should().Contain("commit refused (injected)");
        _log.Warnings.Where(w => w.Contains("could not commit", StringComparison.Ordinal)).Should().ContainSingle()
            .Which.Should().Match("Pipeline orders: sink failing-commit could not commit checkpoint 2, which is stored;*");

        var restartClock = new FakeTimeProvider(Ev.T0);
        var restarted = new EventSource(events, restartClock, tick: 100, () => Volatile.Read(ref output.Settled));
        await new StreamingExecutor(Options(CheckpointStorage.Directory(_directory), restartClock))
            .RunAsync(Orders.Sums(restarted, new ProducerLikeSink<(string, DateTimeOffset, long)>(output)));
        output.CommittedNow().Should().BeEquivalentTo(expected);
    }

    /// <summary>A producer-like sink whose commit of checkpoint <paramref name="failAt"/> throws; it settles every checkpoint so the source moves on.</summary>
    private sealed class FailingCommitSink<T>(Transactional<T> target, long failAt) : Sink<T>
    {
        public override string Name => "failing-commit";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(target, failAt));

        private sealed class Writer(Transactional<T> target, long failAt) : SinkWriter<T>
        {
            private List<T> _open = [];

            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                _open.AddRange(items.Span);
                return default;
            }

            public override ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
            {
                lock (target.Gate) target.Staged[checkpointId] = _open;
                _open = [];
                return default;
            }

            public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref target.Settled);
                if (checkpointId == failAt) throw new IOException("commit refused (injected)");
                target.CommitUpTo(checkpointId);
                return default;
            }

            public override ValueTask AbortAsync(Exception error)
            {
                lock (target.Gate) target.Staged.Keys.Where(k => k > failAt).ToList().ForEach(k => target.Staged.Remove(k));
                return default;
            }
        }
    }
}
