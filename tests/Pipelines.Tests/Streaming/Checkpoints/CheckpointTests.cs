using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Pipelines.Tests.Streaming.Checkpoints;

/// <summary>
/// Checkpoints during a streaming run: a source commits a position only once every result derived from the
/// elements before it is durable in the sinks. Each test feeds a live channel until several checkpoints have
/// completed, and checks the promise at every commit, whatever the timing.
/// </summary>
public class CheckpointTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private sealed record Reading(int Key, long Seq, DateTimeOffset Time);

    /// <summary>Writes readings 10 ms of event time apart until <paramref name="enough"/> holds, then ends the input.</summary>
    private static async Task FeedUntil(ChannelWriter<Reading> writer, Func<long, int> keyOf, Func<bool> enough)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        long seq = 0;
        while (!enough())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Not enough checkpoints completed.");
            for (int i = 0; i < 5; i++, seq++) await writer.WriteAsync(new Reading(keyOf(seq), seq, T0.AddMilliseconds(10 * seq)));
            await Task.Delay(1);
        }

        writer.Complete();
    }

    private static StreamingOptions Options(int parallelism = 1) => new() { Parallelism = parallelism, CheckpointInterval = Interval };

    /// <param name="source">The source, after the run.</param>
    /// <param name="atLeast">How many commits the run must have made.</param>
    /// <param name="derived">
    /// How much of the sink's <see cref="CommittingSource{T}.Covered"/> measure the elements before a position
    /// produce in the whole run (by default the position itself: one unit per element).
    /// </param>
    private static void EveryCommitIsCovered(CommittingSource<Reading> source, int atLeast, Func<long, long>? derived = null)
    {
        var commits = source.Commits;
        derived ??= position => position;
        commits.Should().HaveCountGreaterThanOrEqualTo(atLeast);
        commits.Select(c => c.Position).Should().BeInAscendingOrder();
        commits.Should().OnlyContain(c => c.Covered >= derived(c.Position),
            "a position is committed only once everything before it is durable (commits: {0})", string.Join("; ", commits));
        commits[^1].Position.Should().BeGreaterThan(0);
        source.FinalCommits.Should().Be(1);
    }

    [Fact]
    public async Task ASourceThatCannotCheckpointYet_HoldsTheBarrier_UntilItCan()
    {
        // A source reading an initial snapshot (which no restart can continue) holds the checkpoint back: a checkpoint
        // with part of the snapshot in its state would be restored with a whole new snapshot on top.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0);
        var feed = Channel.CreateUnbounded<int>();
        var source = new CommittingSource<int>(feed.Reader, canCheckpoint: read => read >= 6);
        var received = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Action<int>(received.Enqueue));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, CheckpointInterval = TimeSpan.FromSeconds(1), TimeProvider = clock, IdleTimeout = Timeout.InfiniteTimeSpan })
            .Start(p.Build());

        for (int i = 0; i < 5; i++) feed.Writer.TryWrite(i);
        await Until(() => received.Count == 5);
        clock.Advance(TimeSpan.FromSeconds(1)); // a checkpoint is due while the source cannot take one
        feed.Writer.TryWrite(5);                // after this element it can
        await Until(() => source.Commits.Count >= 1);

        source.Commits[0].Position.Should().Be(6, "the barrier waited for the position the source can resume from");
        feed.Writer.Complete();
        await run.Completion.WaitAsync(HangGuard);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not hold in time.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Stateless_CommitsDuringTheRun_OnlyWhatTheSinkHasFlushed()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<long>();
        source.Covered = () => sink.Durable.Count;
        var p = new PipelineBuilder("stateless");
        p.From(source).Select(r => r.Seq).To(sink);
        var run = new StreamingExecutor(Options()).Start(p.Build());

        await FeedUntil(feed.Writer, _ => 0, () => source.Commits.Count >= 3);
        var summary = await run.Completion.WaitAsync(HangGuard);

        EveryCommitIsCovered(source, 3);
        summary.CheckpointsCompleted.Should().BeGreaterThanOrEqualTo(3);
        sink.Flushes.Should().BeGreaterThanOrEqualTo(3);
        sink.Durable.Should().Equal(Enumerable.Range(0, (int)source.Read).Select(i => (long)i));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task TumblingWindows_HoldTheCheckpoint_UntilTheWindowsOpenAtTheBarrierHaveFired(int parallelism)
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<WindowResult<int, long>>();
        source.Covered = () => sink.Durable.Sum(r => r.Value);
        var p = new PipelineBuilder("tumbling");
        p.From(source).WithEventTime(r => r.Time, Watermarks.Monotonic())
            .KeyBy(r => r.Key).Window(Windows.Tumbling(TimeSpan.FromMilliseconds(100))).Count().To(sink);
        var run = new StreamingExecutor(Options(parallelism)).Start(p.Build());

        await FeedUntil(feed.Writer, seq => (int)(seq % 3), () => source.Commits.Count >= 3);
        await run.Completion.WaitAsync(HangGuard);

        EveryCommitIsCovered(source, 3);
        sink.Durable.Sum(r => r.Value).Should().Be(source.Read);
    }

    [Fact]
    public async Task TumblingCountWindows_HoldTheCheckpoint_OnlyUntilTheWindowsOpenAtTheBarrierAreFull()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<WindowResult<int, long>>();
        source.Covered = () => sink.Durable.Sum(r => r.Value);
        var p = new PipelineBuilder("count-windows");
        p.From(source).KeyBy(r => r.Key).Window(Windows.Count(4)).Count().To(sink);
        var run = new StreamingExecutor(Options(2)).Start(p.Build());

        // Checkpoints complete while the input is open: each waits only for the windows open at its barrier to fill.
        await FeedUntil(feed.Writer, seq => (int)(seq % 3), () => source.Commits.Count >= 3);
        await run.Completion.WaitAsync(HangGuard);

        EveryCommitIsCovered(source, 3);
        sink.Durable.Sum(r => r.Value).Should().Be(source.Read);
    }

    [Fact]
    public async Task SessionWindows_HoldTheCheckpoint_WhileASessionFromBeforeTheBarrierKeepsGrowing()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<WindowResult<int, long>>();
        source.Covered = () => sink.Durable.Sum(r => r.Value);
        var p = new PipelineBuilder("sessions");
        p.From(source).WithEventTime(r => r.Time, Watermarks.Monotonic())
            .KeyBy(r => r.Key).Window(Windows.Session(TimeSpan.FromMilliseconds(50))).Count().To(sink);
        var run = new StreamingExecutor(Options()).Start(p.Build());

        // Bursts of ten readings 10 ms apart per key: a barrier that lands mid-burst finds a session that grows
        // past the cleanup time it had when the barrier arrived.
        await FeedUntil(feed.Writer, seq => (int)(seq / 10 % 3), () => source.Commits.Count >= 3);
        await run.Completion.WaitAsync(HangGuard);

        EveryCommitIsCovered(source, 3);
        sink.Durable.Sum(r => r.Value).Should().Be(source.Read);
    }

    [Fact]
    public async Task IntervalJoin_HoldsTheCheckpoint_UntilBufferedElementsCanNoLongerJoin()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<(long Left, long Right)>();

        // Every reading joins the reading 50 ms (five readings) later: a commit must wait for the partners of the readings before it.
        source.Covered = () => sink.Durable.Count;
        var p = new PipelineBuilder("interval-join");
        var readings = p.From(source).WithEventTime(r => r.Time, Watermarks.Monotonic());
        readings.KeyBy(r => r.Key)
            .IntervalJoin(readings.KeyBy(r => r.Key), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50), (l, r) => (l.Seq, r.Seq))
            .To(sink);
        var run = new StreamingExecutor(Options()).Start(p.Build());

        await FeedUntil(feed.Writer, _ => 0, () => source.Commits.Count >= 3);
        await run.Completion.WaitAsync(HangGuard);

        // The readings before position p produce the pairs whose left reading is before p and whose right one was
        // read at all: the last five readings of the run have no partner, so a checkpoint whose barrier came after
        // them (it passes at the end of input) covers p readings with only p - 5 pairs.
        long read = source.Read;
        EveryCommitIsCovered(source, 3, position => Math.Min(position, read - 5));
        sink.Durable.Should().HaveCount((int)read - 5);
    }

    [Fact]
    public async Task DeadLetters_AreFlushedBeforeTheCheckpointCommits()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<long>();
        var deadLetters = new FlushingSink<DeadLetter>("dead-letters");
        source.Covered = () => sink.Durable.Count + deadLetters.Durable.Count;
        var p = new PipelineBuilder("dead-letters").WithDeadLetterSink(deadLetters);
        p.From(source).Select(r => r.Seq % 7 == 0 ? throw new FormatException($"bad {r.Seq}") : r.Seq).OnError(ErrorPolicy.DeadLetter).To(sink);
        var run = new StreamingExecutor(Options()).Start(p.Build());

        await FeedUntil(feed.Writer, _ => 0, () => source.Commits.Count >= 3);
        await run.Completion.WaitAsync(HangGuard);

        EveryCommitIsCovered(source, 3);
        deadLetters.Flushes.Should().BeGreaterThanOrEqualTo(3);
        (sink.Durable.Count + deadLetters.Durable.Count).Should().Be((int)source.Read);
    }

    [Fact]
    public async Task SourcesThatCommitOnlyAtTheEnd_NeverSeeACheckpoint()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader, commitsDuringRun: false);
        var sink = new FlushingSink<long>();
        var p = new PipelineBuilder();
        p.From(source).Select(r => r.Seq).To(sink);
        var run = new StreamingExecutor(Options()).Start(p.Build());

        long fed = 0;
        await FeedUntil(feed.Writer, _ => 0, () => Interlocked.Add(ref fed, 5) > 2_000);
        var summary = await run.Completion.WaitAsync(HangGuard);

        sink.Flushes.Should().Be(0, "a sink is flushed only for a checkpoint, and no source commits during the run");
        summary.CheckpointsCompleted.Should().Be(0);
        source.Commits.Should().BeEmpty();
        source.FinalCommits.Should().Be(1);
    }

    [Fact]
    public async Task InfiniteInterval_DisablesCheckpoints()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<long>();
        var p = new PipelineBuilder();
        p.From(source).Select(r => r.Seq).To(sink);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Timeout.InfiniteTimeSpan }).Start(p.Build());

        long fed = 0;
        await FeedUntil(feed.Writer, _ => 0, () => Interlocked.Add(ref fed, 5) > 2_000);
        await run.Completion.WaitAsync(HangGuard);

        source.Commits.Should().BeEmpty();
        sink.Flushes.Should().Be(0);
        source.FinalCommits.Should().Be(1);
    }

    [Fact]
    public async Task AFailedFlush_FailsTheRun_NamingTheSink()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        var source = new CommittingSource<Reading>(feed.Reader);
        var sink = new FlushingSink<long>("archive", new IOException("disk full"));
        var p = new PipelineBuilder();
        p.From(source).Select(r => r.Seq).To(sink);
        var run = new StreamingExecutor(Options()).Start(p.Build());

        var feeding = FeedUntil(feed.Writer, _ => 0, () => run.Completion.IsCompleted);
        var act = () => run.Completion.WaitAsync(HangGuard);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("archive").And.Contain("disk full");
        await feeding;
        source.Commits.Should().BeEmpty("nothing was flushed, so nothing may be committed");
        source.FinalCommits.Should().Be(0);
    }

    [Fact]
    public async Task AFailedCommit_IsLogged_AndTheNextCheckpointCommits()
    {
        var feed = Channel.CreateBounded<Reading>(64);
        int refused = 0;
        var source = new CommittingSource<Reading>(feed.Reader, failCommit: _ => Interlocked.Increment(ref refused) == 1);
        var sink = new FlushingSink<long>();
        source.Covered = () => sink.Durable.Count;
        var logger = new ListLogger();
        var p = new PipelineBuilder("refusing");
        p.From(source).Select(r => r.Seq).To(sink);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, Logger = logger }).Start(p.Build());

        await FeedUntil(feed.Writer, _ => 0, () => source.Commits.Count >= 2);
        await run.Completion.WaitAsync(HangGuard);

        EveryCommitIsCovered(source, 2);
        logger.Warnings.Should().ContainSingle(m => m.Contains("could not commit checkpoint") && m.Contains("committing"));
    }

    private sealed class ListLogger : ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<string> _warnings = [];

        public List<string> Warnings
        {
            get
            {
                lock (_gate) return _warnings.ToList();
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel != LogLevel.Warning) return;
            lock (_gate) _warnings.Add(formatter(state, exception));
        }
    }
}
