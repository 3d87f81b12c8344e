using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Aggregation;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;
using Pipelines.Windowing;

namespace Pipelines.Tests.Windowing;

/// <summary>Processing-time windows on a fake clock: by arrival time, whatever the event time.</summary>
public class ProcessingTimeWindowTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static OperatorHarness<string, WindowResult<string, long>> Harness(FakeTimeProvider clock, WindowAssigner windows) =>
        new((context, output) => new ProcessingTimeWindowAggregate<string, string, long, long>(
            s => s[..1],
            (ProcessingTimeWindows)windows,
            clock,
            new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default, output, null, context),
            context));

    [Fact]
    public void Tumbling_ElementsGoToTheWindowOfTheirArrival_AndTheWindowFiresWhenTheClockPassesItsEnd()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = Harness(clock, Windows.TumblingProcessingTime(TimeSpan.FromSeconds(10)));

        // Event times are far apart and out of order: they do not matter.
        harness.Element("a1", 5_000).Element("b1", -7);
        clock.Advance(TimeSpan.FromSeconds(4));
        harness.Element("a2", 0).Watermark(long.MaxValue - 1).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().BeEmpty("the clock is inside the window, whatever the watermark");

        clock.Advance(TimeSpan.FromSeconds(6));
        harness.Element("a3", 1).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Select(r => (r.Key, r.Value, r.Window.Start)).Should().Equal(("a", 2L, Ev.T0), ("b", 1L, Ev.T0));
        harness.Output.Values.Should().OnlyContain(r => r.Timing == PaneTiming.OnTime && r.Window.Size == TimeSpan.FromSeconds(10));
        harness.State.Entries().Should().ContainSingle("the fired windows' state is dropped; a3 is in the next window");

        harness.End();
        harness.Output.Values.Select(r => (r.Key, r.Value, r.Window.Start)).Last().Should().Be(("a", 1L, Ev.T0.AddSeconds(10)));
        harness.State.Entries().Should().BeEmpty();
    }

    /// <summary>A running balance of the elements' lengths that cannot open with a withdrawal ("-…"): its failure depends on the window's state.</summary>
    private sealed class Balance : IAggregator<string, long?, long>
    {
        public long? CreateAccumulator() => null;

        public long? Add(long? accumulator, string item)
        {
            long amount = item.StartsWith('-') ? -item.Length : item.Length;
            return accumulator is null && amount < 0 ? throw new InvalidOperationException("a balance cannot open with a withdrawal") : (accumulator ?? 0) + amount;
        }

        public long? Merge(long? left, long? right) => throw new NotSupportedException();

        public long GetResult(long? accumulator) => accumulator ?? 0;
    }

    [Fact]
    public void Sliding_AnAggregateFailingOnANewerWindow_UnderSkip_LeavesTheElementOutOfTheOlderOnesToo()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = new OperatorHarness<string, WindowResult<string, long>>(
            (context, output) => new ProcessingTimeWindowAggregate<string, string, long?, long>(
                _ => "k",
                (ProcessingTimeWindows)Windows.SlidingProcessingTime(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)),
                clock,
                new PaneEmitter<string, string, long?, long>(new Balance(), TriggerSpec.Default, output, null, context),
                context),
            ErrorPolicy.Skip);

        // At 1 s a deposit of 4 goes into [-5, 5) and [0, 10); at 6 s a withdrawal of 2 fits [0, 10) but would open [5, 15).
        clock.Advance(TimeSpan.FromSeconds(1));
        harness.Element("abcd", 0);
        clock.Advance(TimeSpan.FromSeconds(5));
        harness.Element("-x", 0);
        clock.Advance(TimeSpan.FromSeconds(20));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);

        harness.Output.Values.Select(r => ((r.Window.Start - Ev.T0).TotalSeconds, r.Value)).Should().Equal(
            [(-5d, 4L), (0d, 4L)], "the skipped withdrawal is in none of its windows");
    }

    [Fact]
    public void Sliding_AnElementIsInEachWindowHoldingItsArrival()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = Harness(clock, Windows.SlidingProcessingTime(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)));

        harness.Element("a1", 0);
        clock.Advance(TimeSpan.FromSeconds(6));
        harness.Element("a2", 0);
        clock.Advance(TimeSpan.FromSeconds(20));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);

        harness.Output.Values.Select(r => ((r.Window.Start - Ev.T0).TotalSeconds, r.Value)).Should().Equal((-5d, 1L), (0d, 2L), (5d, 1L));
    }

    [Fact]
    public async Task Bounded_UsesTheClockWhenElementsAreRead_AndEmitsEveryWindowAtTheEnd()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var results = await BoundedRun.CollectAsync(
            p => p.From(Sources.Enumerable(Enumerable.Range(0, 12)))
                .Select(i =>
                {
                    clock.Advance(TimeSpan.FromSeconds(1));
                    return i;
                })
                .KeyBy(_ => "all")
                .Window(Windows.TumblingProcessingTime(TimeSpan.FromSeconds(5)))
                .Count(),
            new BoundedExecutorOptions { BatchSize = 1, TimeProvider = clock });

        // Read at T0+1 s … T0+12 s: windows [0,5) [5,10) [10,15) hold 4, 5 and 3 elements.
        results.Select(r => ((r.Window.Start - Ev.T0).TotalSeconds, r.Value)).Should().Equal((0d, 4L), (5d, 5L), (10d, 3L));
    }

    [Fact]
    public async Task Streaming_AWindowFiresOnTheClock_WhileTheInputStaysOpen()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var channel = Channel.CreateUnbounded<int>();
        for (int i = 0; i < 4; i++) await channel.Writer.WriteAsync(i);
        var results = new ConcurrentQueue<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).KeyBy(i => i % 2).Window(Windows.TumblingProcessingTime(TimeSpan.FromSeconds(2))).Count()
            .To(Sinks.Action<WindowResult<int, long>>(results.Enqueue));
        var run = new StreamingExecutor(new StreamingOptions { TimeProvider = clock, Parallelism = 2 }).Start(p.Build());

        var deadline = DateTime.UtcNow + Deadline;
        while (results.Sum(r => r.Value) < 4)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("No window fired on the clock.");
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(5);
        }

        channel.Writer.Complete();
        await run.Completion.WaitAsync(Deadline);
        results.Sum(r => r.Value).Should().Be(4, "each element is counted once");
        results.Should().OnlyContain(r => r.Timing == PaneTiming.OnTime);
    }

    [Fact]
    public void WithoutStorage_ABarrierWaitsOnlyForTheWindowsOpenAtItsArrival_OnTheClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Ev.T0.UtcTicks - Ev.T0.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero));
        var harness = Harness(clock, Windows.TumblingProcessingTime(TimeSpan.FromSeconds(10)));

        harness.Barrier(1);
        harness.Output.Barriers.Should().Equal([1L], "no window is open");

        harness.Element("a1", 0).Barrier(2);
        harness.Output.Barriers.Should().Equal([1L], "window [0 s, 10 s) holds a1 from before barrier 2");

        clock.Advance(TimeSpan.FromSeconds(9));
        harness.Element("a2", 0).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Barriers.Should().Equal([1L], "the window is still open");

        clock.Advance(TimeSpan.FromSeconds(2));
        harness.Element("b1", 0).Barrier(3);
        harness.Output.Barriers.Should().Equal([1L], "no tick has fired the first window yet");
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Select(r => (r.Key, r.Value)).Should().Equal([("a", 2L)]);
        harness.Output.Barriers.Should().Equal([1L, 2L], "the first window fired; barrier 3 came while window [10 s, 20 s) held b1");

        clock.Advance(TimeSpan.FromSeconds(5));
        harness.Element("b2", 0).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Barriers.Should().Equal([1L, 2L]);
        clock.Advance(TimeSpan.FromSeconds(5));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Barriers.Should().Equal([1L, 2L, 3L], "the window open at barrier 3's arrival fired; later windows do not hold it");
        harness.Output.Values.Select(r => (r.Key, r.Value)).Should().Equal([("a", 2L), ("b", 2L)]);
    }

    [Fact]
    public async Task Streaming_WithoutStorage_CheckpointsKeepCompleting_AndEachCommitIsCoveredByTheWindowsWritten()
    {
        // A run that never ends, with one-minute windows on the clock: a checkpoint waits for the windows open at its
        // barrier (a minute at most), not for the end of input, so sources keep committing.
        var clock = new FakeTimeProvider(Ev.T0);
        var feed = Channel.CreateUnbounded<int>();
        var source = new Streaming.Checkpoints.CommittingSource<int>(feed.Reader);
        var sink = new Streaming.Checkpoints.FlushingSink<long>();
        source.Covered = () => sink.Durable.Sum();
        var p = new PipelineBuilder("processing-time-checkpoints");
        p.From(source).KeyBy(i => i % 3).Window(Windows.TumblingProcessingTime(TimeSpan.FromMinutes(1))).Count().Select(r => r.Value).To(sink);
        var run = new StreamingExecutor(new StreamingOptions { TimeProvider = clock, CheckpointInterval = TimeSpan.FromSeconds(10), IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());

        var deadline = DateTime.UtcNow + Deadline;
        int next = 0;
        while (source.Commits.Count < 4)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Only {source.Commits.Count} checkpoints completed while windows kept opening.");
            for (int i = 0; i < 5; i++) await feed.Writer.WriteAsync(next++);
            clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(5);
        }

        run.CheckpointsCompleted.Should().BeGreaterThanOrEqualTo(4);
        feed.Writer.Complete();
        await run.Completion.WaitAsync(Deadline);

        var commits = source.Commits;
        commits.Select(c => c.Position).Should().BeInAscendingOrder();
        commits.Should().OnlyContain(c => c.Covered >= c.Position, "a position is committed only once the windows holding everything before it were written (commits: {0})", string.Join("; ", commits));
        sink.Durable.Sum().Should().Be(next, "each element is counted once");
    }

    [Fact]
    public void AllowedLateness_IsRefused()
    {
        var windowed = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 })).KeyBy(i => i).Window(Windows.TumblingProcessingTime(TimeSpan.FromSeconds(1)));
        windowed.Invoking(w => w.AllowedLateness(TimeSpan.FromSeconds(1))).Should().Throw<InvalidOperationException>().WithMessage("*Processing-time windows*");
    }
}
