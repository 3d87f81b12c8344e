using Microsoft.Extensions.Time.Testing;
using Pipelines.Checkpoints.Storage;
using Pipelines.Tests.Checkpoints.Upgrades;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// A streaming run with a checkpoint storage that drains — its sources end, or it is stopped with draining — takes a
/// final checkpoint once everything has gone through: windows fired at the end of input, sinks pre-committed. It is
/// stored, then committed, so a restart from the storage resumes after everything the run wrote.
/// </summary>
public sealed class FinalCheckpointTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-final-" + Guid.NewGuid().ToString("N"));
    private readonly CapturingLogger _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private StreamingOptions Options(FakeTimeProvider? clock = null, int parallelism = 2) => new()
    {
        Parallelism = parallelism,
        CheckpointStorage = CheckpointStorage.Directory(_directory),
        CheckpointInterval = clock is null ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(1),
        TimeProvider = clock ?? TimeProvider.System,
        IdleTimeout = Timeout.InfiniteTimeSpan,
        Logger = _log,
    };

    private CheckpointManifest Newest()
    {
        string folder = Directory.GetDirectories(_directory, "chk-*").Where(d => File.Exists(Path.Combine(d, DirectoryCheckpointStorage.ManifestName))).Order().Last();
        return ManifestCodec.Decode(File.ReadAllBytes(Path.Combine(folder, DirectoryCheckpointStorage.ManifestName)));
    }

    /// <summary>Per-key sums over 30-second windows of two sources ("long" and "short") in one union, into <paramref name="output"/>.</summary>
    private static Pipeline TwoSources(EventSource a, EventSource b, Transactional<(string, DateTimeOffset, long)> output)
    {
        var p = new PipelineBuilder("two");
        var first = p.From(a).Uid("long").WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)));
        var second = p.From(b).Uid("short").WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)));
        first.Union(second).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(30))).Sum(e => (long)e.Value).Uid("sums")
            .Select(r => (r.Key, r.Window.Start, r.Value)).To(new TransactionalSink<(string, DateTimeOffset, long)>(output));
        return p.Build();
    }

    [Fact]
    public async Task ARunWhoseSourcesEnd_TakesAFinalCheckpoint_AndARestartWritesNothingAgain()
    {
        var events = Orders.Events(seed: 31, count: 2000);
        var expected = await Orders.ExpectedAsync(events);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);
        var source = new EventSource(events, clock, tick: 100, () => Volatile.Read(ref output.Settled));

        var summary = await new StreamingExecutor(Options(clock)).RunAsync(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output)));

        output.CommittedNow().Should().BeEquivalentTo(expected);
        var final = Newest();
        summary.CheckpointsCompleted.Should().Be(final.CheckpointId, "every checkpoint of the run completed, the final one last");
        output.CommittedCheckpoints.Should().Contain(final.CheckpointId, "the sink commits the final checkpoint, which covers the windows fired at the end");
        lock (output.Gate) output.Staged.Should().BeEmpty();
        final.Sources.Should().ContainSingle().Which.Position!.Value.GetProperty("Next").GetInt32().Should().Be(events.Count, "the source's position is the end of its input");
        final.Operators.Should().ContainSingle(o => o.Id == "sums-per-key").Which.Parts.Should().HaveCount(2, "each worker snapshots its state at the end");

        var again = new EventSource(events);
        var restarted = await new StreamingExecutor(Options()).RunAsync(Orders.Sums(again, new TransactionalSink<(string, DateTimeOffset, long)>(output)));

        again.Opened.Should().Be(events.Count, "the restart resumes after everything the first run read");
        restarted.ElementsRead.Should().Be(0);
        output.CommittedNow().Should().BeEquivalentTo(expected, "the restart writes no result again");
        Newest().CheckpointId.Should().Be(final.CheckpointId + 1, "the restart takes its own final checkpoint");
        _log.Warnings.Should().BeEmpty();
    }

    [Fact]
    public async Task ARestoredRunThatReadsNothing_KeepsTheRestoredWatermarkInItsFinalCheckpoint_SoOldElementsStayLate()
    {
        // A restored run saw no watermark beyond the restored one, and its final checkpoint recorded -inf: the run
        // after it took an element of a window long emitted as on time, and emitted that window again.
        var events = Orders.Events(seed: 33, count: 600);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        await new StreamingExecutor(Options()).RunAsync(Orders.Sums(new EventSource(events), new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        var written = output.CommittedNow().ToList();

        var idle = await new StreamingExecutor(Options()).RunAsync(Orders.Sums(new EventSource(events), new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        idle.ElementsRead.Should().Be(0);

        var old = events[0] with { Value = 1000 };
        var third = await new StreamingExecutor(Options()).RunAsync(Orders.Sums(new EventSource([.. events, old]), new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        third.ElementsRead.Should().Be(1);
        third.LateElementsDropped.Should().Be(1, "its window was emitted two runs ago");
        output.CommittedNow().Should().BeEquivalentTo(written);
    }

    [Fact]
    public async Task ARunStoppedWithDraining_StoresWhereItsSourceStopped_AndARestartResumesExactlyThere_CountingEveryElementOnce()
    {
        var events = Orders.Events(seed: 32, count: 2400);
        var expected = await Orders.ExpectedAsync(events);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);
        var source = new EventSource(events, clock, tick: 100, () => Volatile.Read(ref output.Settled)) { Limit = 1300 };
        var run = new StreamingExecutor(Options(clock)).Start(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        await Wait.UntilAsync(() => source.Read == 1300, run, "1300 elements read");

        var first = await run.StopAsync(drain: true);

        first.ElementsRead.Should().Be(1300);
        Newest().Sources.Should().ContainSingle().Which.Position!.Value.GetProperty("Next").GetInt32().Should().Be(1300, "the final checkpoint records where the drain stopped the source");
        lock (output.Gate) output.Staged.Should().BeEmpty("the drained run committed everything it wrote");

        // The source is "unbounded" until now: the restart reads the rest.
        var rest = new EventSource(events, clock, tick: 100, () => Volatile.Read(ref output.Settled));
        var second = await new StreamingExecutor(Options(clock, parallelism: 3)).RunAsync(Orders.Sums(rest, new TransactionalSink<(string, DateTimeOffset, long)>(output)));

        rest.Opened.Should().Be(1300, "the restart resumes exactly after the drained run's end position");
        second.LateElementsDropped.Should().Be(0, "the restored watermark is the last one before the drain's +∞, so the new input is not late");
        // The drain emitted the windows open at the stop; the restart emits the rest of each as a second pane.
        // Every (key, window) adds up to the uninterrupted value: each element counted once, none lost or repeated.
        var totals = output.CommittedNow().GroupBy(r => (r.Item1, r.Item2)).ToDictionary(g => g.Key, g => g.Sum(r => r.Item3));
        totals.Should().BeEquivalentTo(expected.ToDictionary(r => (r.Item1, r.Item2), r => r.Item3));
        output.CommittedNow().Count.Should().BeLessThan(expected.Count + 40, "only windows open at the drain have a second pane");
    }

    [Fact]
    public async Task WithoutTheFinalCheckpoint_TheRestartWouldRepeatOutput_SoTheLastStoredCheckpointIsTheFinalOne()
    {
        // Regression guard: no checkpoint during the run (an infinite interval), yet the drained run stores one at its end.
        var events = Orders.Events(seed: 33, count: 600);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var summary = await new StreamingExecutor(Options()).RunAsync(Orders.Sums(new EventSource(events), new TransactionalSink<(string, DateTimeOffset, long)>(output)));

        summary.CheckpointsCompleted.Should().Be(1, "the only checkpoint is the final one");
        Newest().CheckpointId.Should().Be(1);
        var committed = output.CommittedNow();

        await new StreamingExecutor(Options()).RunAsync(Orders.Sums(new EventSource(events), new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        output.CommittedNow().Should().BeEquivalentTo(committed);
    }

    /// <summary>
    /// Two sources, one much shorter: the short one finishes first, keeps passing the barriers of the checkpoints
    /// taken meanwhile with its end position, and every checkpoint records both positions; a run killed after the
    /// short source finished restores both and writes each result once.
    /// </summary>
    [Fact]
    public async Task ASourceThatEndsBeforeTheOthers_KeepsItsEndPositionInEveryLaterCheckpoint()
    {
        var longer = Orders.Events(seed: 34, count: 2000);
        var shorter = Orders.Events(seed: 35, count: 300);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);

        var expected = new List<(string, DateTimeOffset, long)>();
        var ep = new PipelineBuilder("two");
        var strategy = Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2));
        ep.From(Sources.Enumerable(longer)).WithEventTime(e => e.Time, strategy)
            .Union(ep.From(Sources.Enumerable(shorter)).WithEventTime(e => e.Time, strategy)).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(30)))
            .Sum(e => (long)e.Value).Select(r => (r.Key, r.Window.Start, r.Value)).To(Sinks.Collection(expected));
        await new BoundedExecutor().RunAsync(ep.Build());

        var a = new EventSource(longer, clock, tick: 100, () => Volatile.Read(ref output.Settled)) { Limit = 1200 };
        var b = new EventSource(shorter);
        var run = new StreamingExecutor(Options(clock)).Start(TwoSources(a, b, output));
        await Wait.UntilAsync(() => a.Read == 1200 && b.Read == shorter.Count, run, "the short source read to its end");
        long before = run.CheckpointsCompleted;
        clock.Advance(TimeSpan.FromSeconds(1));
        await Wait.UntilAsync(() => run.CheckpointsCompleted > before, run, "a checkpoint after the short source finished");
        await run.StopAsync(drain: false);

        var manifest = Newest();
        manifest.Sources.Should().HaveCount(2);
        manifest.Sources.Single(s => s.Id == "short").Position!.Value.GetProperty("Next").GetInt32().Should().Be(shorter.Count, "the finished source's end position is in the checkpoint");
        manifest.Sources.Single(s => s.Id == "long").Position!.Value.GetProperty("Next").GetInt32().Should().Be(1200);

        var a2 = new EventSource(longer, clock, tick: 100, () => Volatile.Read(ref output.Settled));
        var b2 = new EventSource(shorter);
        await new StreamingExecutor(Options(clock)).RunAsync(TwoSources(a2, b2, output));

        a2.Opened.Should().Be(1200);
        b2.Opened.Should().Be(shorter.Count, "the short source is not read again");
        output.CommittedNow().Should().BeEquivalentTo(expected, "each result once");
    }

    /// <summary>
    /// The executor asks a reader for its position at each checkpoint's barrier with that checkpoint's id
    /// (<c>CapturePosition(checkpointId)</c>), and without one where a drain stopped it: a reader whose positions an
    /// exactly-once sink also asks for by checkpoint (Kafka's offsets sent into a transaction) tells them apart, rather
    /// than taking the position asked for last, which after a drain is already past a checkpoint still in flight.
    /// </summary>
    [Fact]
    public async Task PositionsAreTakenWithTheirCheckpoint_AtBarriers_AndWithoutOne_WhereADrainStopsTheSource()
    {
        var events = Orders.Events(seed: 38, count: 1200);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);
        var source = new EventSource(events, clock, tick: 100, () => Volatile.Read(ref output.Settled)) { Limit = 700 };
        var run = new StreamingExecutor(Options(clock)).Start(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output)));
        await Wait.UntilAsync(() => source.Read == 700, run, "700 elements read");
        var summary = await run.StopAsync(drain: true);

        var captures = source.Captures.ToList();
        var atBarriers = captures.Where(c => c.Checkpoint is not null).ToList();
        atBarriers.Should().NotBeEmpty();
        atBarriers.Select(c => c.Checkpoint!.Value).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        atBarriers.Select(c => c.Checkpoint!.Value).Should().Contain(summary.CheckpointsCompleted - 1, "every checkpoint before the final one took its position at its barrier");
        captures.Should().Contain((null, 700), "where the drain stopped the source, taken outside a barrier");
        Newest().Sources.Single().Position!.Value.GetProperty("Next").GetInt32().Should().Be(700, "the final checkpoint records where the drain stopped the source");
    }

    /// <summary>
    /// A drain while a source is still opening (a slow connect): the source read nothing, and the checkpoint taken
    /// meanwhile records it where it was to start — from nothing in a new run (a restart opens it as a new run would),
    /// at its restored position in a restored run (a restart does not read again what the restored state holds).
    /// Before, the checkpoint had no position for it, and every restart from it was refused.
    /// </summary>
    [Fact]
    public async Task ADrainWhileASourceIsStillOpening_StoresWhereItWasToStart_AndARestartResumesFromIt()
    {
        var longer = Orders.Events(seed: 36, count: 1200);
        var shorter = Orders.Events(seed: 37, count: 300);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);
        var never = new TaskCompletionSource();

        // The open source reads 100 more elements after the checkpoint's barrier, before the drain: the run's final
        // checkpoint (taken with a source that never opened too) holds where the drain stopped it, after all it wrote.
        async Task DrainWhileOpening(EventSource a, EventSource b, int read)
        {
            var run = new StreamingExecutor(Options(clock)).Start(TwoSources(a, b, output));
            await Wait.UntilAsync(() => a.Read == read, run, $"{read} elements of the open source read");
            clock.Advance(TimeSpan.FromSeconds(1));
            a.Limit = read + 100;
            await Wait.UntilAsync(() => a.Read == read + 100, run, "100 more read after the checkpoint's barrier");
            await run.StopAsync(drain: true);
        }

        // A new run: the short source never opens, so the checkpoint marks it as not opened.
        await DrainWhileOpening(new EventSource(longer) { Limit = 300 }, new EventSource(shorter) { OpensAfter = never.Task }, 300);
        var first = Newest();
        first.Sources.Single(s => s.Id == "short").Should().Match<SourceCheckpoint>(s => s.Position == null && s.NotOpened);

        // A restart opens it as a new run; it reads it to its end, and the long source on.
        var b2 = new EventSource(shorter);
        var a2 = new EventSource(longer) { Limit = 600 };
        var run2 = new StreamingExecutor(Options(clock)).Start(TwoSources(a2, b2, output));
        await Wait.UntilAsync(() => a2.Read == 600 && b2.Read == shorter.Count, run2, "the restart read on");
        await run2.StopAsync(drain: true);
        a2.Opened.Should().Be(400, "the drained run's final checkpoint holds where it stopped the open source");
        b2.Opened.Should().Be(0, "the short source read nothing before");

        // A restored run whose short source does not open: the checkpoint keeps the position it was restored at.
        await DrainWhileOpening(new EventSource(longer) { Limit = 900 }, new EventSource(shorter) { OpensAfter = never.Task }, 900);
        var third = Newest();
        third.Sources.Single(s => s.Id == "short").Position!.Value.GetProperty("Next").GetInt32().Should().Be(shorter.Count);
        third.Sources.Single(s => s.Id == "short").NotOpened.Should().BeFalse();

        var b4 = new EventSource(shorter);
        var a4 = new EventSource(longer);
        await new StreamingExecutor(Options(clock)).RunAsync(TwoSources(a4, b4, output));
        b4.Opened.Should().Be(shorter.Count, "the short source is not read again");
        a4.Opened.Should().Be(1000);
    }
}
