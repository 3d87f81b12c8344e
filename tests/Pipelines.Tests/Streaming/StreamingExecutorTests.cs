using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Testing;

namespace Pipelines.Tests.Streaming;

public class StreamingExecutorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private sealed record Tick(string Key, DateTimeOffset Time);

    private static async Task Eventually(Func<bool> condition, Action? step = null)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not become true.");
            step?.Invoke();
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task IdleInput_StopsHoldingBackTheWatermark_AndRejoinsWhenDataComes()
    {
        var clock = new FakeTimeProvider(T0);
        var busy = Channel.CreateUnbounded<Tick>();
        var quiet = Channel.CreateUnbounded<Tick>();
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        var a = p.From(Sources.Channel(busy.Reader, "busy")).WithEventTime(t => t.Time, Watermarks.Monotonic());
        var b = p.From(Sources.Channel(quiet.Reader, "quiet")).WithEventTime(t => t.Time, Watermarks.Monotonic());
        var arrivals = new List<DateTimeOffset>();
        a.Union(b).KeyBy(t => t.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Action<WindowResult<string, long>>(r =>
        {
            lock (results)
            {
                results.Add(r);
                arrivals.Add(clock.GetUtcNow());
            }
        }));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 2, TimeProvider = clock, IdleTimeout = TimeSpan.FromSeconds(30) }).Start(p.Build());

        busy.Writer.TryWrite(new Tick("x", T0.AddSeconds(10)));
        busy.Writer.TryWrite(new Tick("x", T0.AddMinutes(2)));

        // Only processing time moves on; the quiet source goes idle and the first window fires — not before: the
        // fake clock moves only here, so the result must arrive once it has passed the idle timeout.
        await Eventually(() => { lock (results) return results.Count == 1; }, () => clock.Advance(TimeSpan.FromSeconds(5)));
        lock (results) results[0].Should().Be(new WindowResult<string, long>("x", new Window(T0, T0.AddMinutes(1)), 1, PaneTiming.OnTime, 0));
        lock (results) arrivals[0].Should().BeOnOrAfter(T0.AddSeconds(30), "the quiet input holds the watermark back until it is idle");

        // The quiet input rejoins: its element counts in a window that is still open.
        quiet.Writer.TryWrite(new Tick("x", T0.AddMinutes(2).AddSeconds(5)));
        busy.Writer.Complete();
        quiet.Writer.Complete();
        var summary = await run.Completion.WaitAsync(HangGuard);
        string seen = $"results: {string.Join("; ", results)}; late dropped: {summary.LateElementsDropped}";
        results.Should().HaveCount(2, seen);
        results[1].Window.Start.Should().Be(T0.AddMinutes(2), seen);
        results[1].Value.Should().Be(2, seen);
    }

    [Fact]
    public async Task Cancellation_StopsAnEndlessRun_WithOperationCanceled()
    {
        var feed = Channel.CreateUnbounded<Tick>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader)).WithEventTime(t => t.Time, Watermarks.Monotonic())
            .KeyBy(t => t.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Action<WindowResult<string, long>>(_ => { }));
        using var cts = new CancellationTokenSource();
        var run = new StreamingExecutor().RunAsync(p.Build(), cts.Token);
        feed.Writer.TryWrite(new Tick("a", T0));
        await Task.Delay(50);
        cts.Cancel();
        var act = () => run.WaitAsync(HangGuard);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task StopWithDrain_FlushesOpenWindows_AndCompletesNormally()
    {
        var feed = Channel.CreateUnbounded<Tick>();
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader)).WithEventTime(t => t.Time, Watermarks.Monotonic())
            .KeyBy(t => t.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(results));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).Start(p.Build());
        for (int i = 0; i < 100; i++) feed.Writer.TryWrite(new Tick(i % 2 == 0 ? "a" : "b", T0.AddSeconds(i)));
        await Eventually(() => run.ElementsRead == 100);
        await run.StopAsync(drain: true).WaitAsync(HangGuard);
        var summary = await run.Completion;
        summary.ElementsRead.Should().Be(100);
        results.Sum(r => r.Value).Should().Be(100);
        results.Should().OnlyContain(r => r.Timing == PaneTiming.OnTime);
    }

    [Fact]
    public async Task StopWithoutDrain_DiscardsOpenWindows_AndCancelsCompletion()
    {
        var feed = Channel.CreateUnbounded<Tick>();
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader)).WithEventTime(t => t.Time, Watermarks.Monotonic())
            .KeyBy(t => t.Key).Window(Windows.Tumbling(TimeSpan.FromHours(1))).Count().To(Sinks.Collection(results));
        var run = new StreamingExecutor().Start(p.Build());
        feed.Writer.TryWrite(new Tick("a", T0));
        await Eventually(() => run.ElementsRead == 1);
        await run.StopAsync(drain: false).WaitAsync(HangGuard);
        run.Completion.IsCanceled.Should().BeTrue();
        results.Should().BeEmpty();
    }

    [Fact]
    public async Task SlowSink_BackpressureBoundsWhatIsInFlight()
    {
        const int capacity = 2, batch = 16, total = 20_000;
        long read = 0, written = 0, maxGap = 0;
        IEnumerable<int> Counted()
        {
            for (int i = 0; i < total; i++)
            {
                Interlocked.Increment(ref read);
                yield return i;
            }
        }

        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Counted()))
            .Select(i => i * 2)
            .To(Sinks.Action<int>(async (_, ct) =>
            {
                long gap = Interlocked.Read(ref read) - Interlocked.Increment(ref written);
                if (gap > maxGap) maxGap = gap;
                if (written % 64 == 0) await Task.Delay(1, ct);
            }));
        await new StreamingExecutor(new StreamingOptions { ChannelCapacity = capacity, MaxBatchSize = batch }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(120));

        // Source buffer + one pending write + the channel + the batch the sink works on.
        long bound = (capacity + 3) * batch;
        written.Should().Be(total);
        maxGap.Should().BeLessThanOrEqualTo(bound, "a slow sink must slow the source down, not let elements pile up");
    }

    [Fact]
    public async Task EarlyResultsEveryNElements_EmitEarlyPanes_ThenOnTime()
    {
        var script = new TestStream<string>().Add(T0.AddSeconds(1), "a", "a", "a", "a", "a");
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).EarlyResults(2).Count().To(Sinks.Collection(results));
        await new StreamingExecutor(new StreamingOptions { TimeProvider = script.Clock }).RunAsync(p.Build()).WaitAsync(HangGuard);
        results.Select(r => (r.Value, r.Timing, r.PaneIndex)).Should().Equal((2L, PaneTiming.Early, 0), (4L, PaneTiming.Early, 1), (5L, PaneTiming.OnTime, 2));
    }

    [Fact]
    public async Task DiscardingPanes_EachPaneHoldsOnlyNewElements()
    {
        var script = new TestStream<string>()
            .Add(T0.AddSeconds(1), "a", "a", "a")
            .AdvanceWatermarkTo(T0.AddMinutes(1))
            .Add(T0.AddSeconds(2), "a");
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).AllowedLateness(TimeSpan.FromMinutes(5)).DiscardingPanes().Count().To(Sinks.Collection(results));
        await new StreamingExecutor(new StreamingOptions { TimeProvider = script.Clock }).RunAsync(p.Build()).WaitAsync(HangGuard);
        results.Select(r => (r.Value, r.Timing)).Should().Equal((3L, PaneTiming.OnTime), (1L, PaneTiming.Late));
    }

    [Fact]
    public async Task SessionMergedByLateElementWithinLateness_EmitsLatePaneForMergedSession()
    {
        var script = new TestStream<string>()
            .Add(T0, "a")
            .Add(T0.AddSeconds(20), "a")
            .AdvanceWatermarkTo(T0.AddSeconds(40))
            .Add(T0.AddSeconds(10), "a");
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(script).KeyBy(s => s).Window(Windows.Session(TimeSpan.FromSeconds(15))).AllowedLateness(TimeSpan.FromMinutes(1)).Count().To(Sinks.Collection(results));
        await new StreamingExecutor(new StreamingOptions { TimeProvider = script.Clock }).RunAsync(p.Build()).WaitAsync(HangGuard);
        results.Select(r => (r.Window.Start, r.Window.End, r.Value, r.Timing)).Should().Equal(
            (T0, T0.AddSeconds(15), 1L, PaneTiming.OnTime),
            (T0.AddSeconds(20), T0.AddSeconds(35), 1L, PaneTiming.OnTime),
            (T0, T0.AddSeconds(35), 3L, PaneTiming.Late));
    }

    [Fact]
    public async Task FailingRun_LeavesNoUnobservedTaskException()
    {
        int unobserved = 0;
        void Handler(object? sender, UnobservedTaskExceptionEventArgs e) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += Handler;
        try
        {
            for (int i = 0; i < 5; i++)
            {
                var p = new PipelineBuilder();
                p.From(Sources.Enumerable(Enumerable.Range(0, 10_000)))
                    .WithEventTime(x => T0.AddSeconds(x), Watermarks.Monotonic())
                    .KeyBy(x => x == 5000 ? throw new InvalidOperationException("boom") : x % 7).Window(Windows.Tumbling(TimeSpan.FromSeconds(10)))
                    .Reduce((x, y) => x + y)
                    .To(Sinks.Action<WindowResult<int, int>>(_ => { }));
                var act = () => new StreamingExecutor(new StreamingOptions { Parallelism = 3 }).RunAsync(p.Build()).WaitAsync(HangGuard);
                await act.Should().ThrowAsync<PipelineExecutionException>().WithMessage("*boom*");
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            unobserved.Should().Be(0);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= Handler;
        }
    }

    [Fact]
    public async Task Linger_HoldsAPartialBatchUntilItExpires_ThenSendsIt()
    {
        var clock = new FakeTimeProvider(T0);
        var feed = Channel.CreateUnbounded<int>();
        var received = new List<int>();
        var arrivals = new List<DateTimeOffset>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader)).To(Sinks.Action<int>(x =>
        {
            lock (received)
            {
                received.Add(x);
                arrivals.Add(clock.GetUtcNow());
            }
        }));
        var run = new StreamingExecutor(new StreamingOptions { TimeProvider = clock, Linger = TimeSpan.FromSeconds(1), IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());

        feed.Writer.TryWrite(1);
        feed.Writer.TryWrite(2);
        await Eventually(() => run.ElementsRead == 2);

        // The fake clock moves only here: elements that arrive once it has passed the linger waited for it.
        await Eventually(() => { lock (received) return received.Count == 2; }, () => clock.Advance(TimeSpan.FromMilliseconds(100)));
        feed.Writer.Complete();
        await run.Completion.WaitAsync(HangGuard);
        received.Should().Equal(1, 2);
        arrivals.Should().OnlyContain(t => t >= T0.AddSeconds(1), "a partial batch waits up to the linger for more elements");
    }
}
