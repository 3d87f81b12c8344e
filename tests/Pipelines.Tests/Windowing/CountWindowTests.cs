using Pipelines.Operators;
using Pipelines.Tests.TestSupport;
using Pipelines.Windowing;

namespace Pipelines.Tests.Windowing;

/// <summary><c>Windows.Count(size, slide)</c>: per-key windows of elements, the same on both executors.</summary>
public class CountWindowTests
{
    public static TheoryData<string> Executors => BothExecutors.Names;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<List<T>> RunAsync<T>(string executor, Func<PipelineBuilder, DataStream<T>> define) => BothExecutors.CollectAsync(executor, 7, define);

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Tumbling_CutsEachKeysElementsIntoWindowsOfSize_InOrder_AndTheRestAtTheEnd(string executor)
    {
        // Key k = i % 3: key 0 gets 0, 3, 6, …, 30 (11 elements) → windows of 4: [0,3,6,9] [12,15,18,21] [24,27,30].
        var results = await RunAsync(executor, p => p.From(Sources.Enumerable(Enumerable.Range(0, 32)))
            .KeyBy(i => i % 3)
            .Window(Windows.Count(4))
            .Aggregate(new List<int>(), (list, i) => [.. list, i], list => string.Join(",", list)));

        var expected = Enumerable.Range(0, 3).SelectMany(k =>
            Enumerable.Range(0, 32).Where(i => i % 3 == k).Chunk(4).Select((chunk, n) => (k, n, string.Join(",", chunk))));
        results.Select(r => (r.Key, r.PaneIndex, r.Value)).OrderBy(r => r.Key).ThenBy(r => r.PaneIndex).Should().Equal(expected);
        results.Should().OnlyContain(r => r.Timing == PaneTiming.OnTime && r.Window.Start == DateTimeOffset.MinValue && r.Window.End == DateTimeOffset.MaxValue,
            "without event time a count window is reported as the global window");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Sliding_EmitsTheLastSizeElements_AfterEverySlide(string executor)
    {
        var results = await RunAsync(executor, p => p.From(Sources.Enumerable(Enumerable.Range(1, 10)))
            .KeyBy(_ => "k")
            .Window(Windows.Count(4, 2))
            .Aggregate(new List<int>(), (list, i) => [.. list, i], list => string.Join(",", list)));

        // Flink's countWindow(4, 2): after every 2nd element, the last (up to) 4; 10 elements end on a full slide.
        results.Select(r => r.Value).Should().Equal("1,2", "1,2,3,4", "3,4,5,6", "5,6,7,8", "7,8,9,10");
        results.Select(r => r.PaneIndex).Should().Equal(0, 1, 2, 3, 4);
    }

    [Fact]
    public async Task Sliding_EmitsTheLastSizeElements_AtTheEnd_WhenASlideIsNotComplete()
    {
        var results = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(Enumerable.Range(1, 7)))
            .KeyBy(_ => "k")
            .Window(Windows.Count(3, 2))
            .Sum(i => i));

        results.Select(r => r.Value).Should().Equal(1 + 2, 2 + 3 + 4, 4 + 5 + 6, 5 + 6 + 7);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task WithEventTime_TheWindowSpansItsElements_AndTheResultIsNotLateDownstream(string executor)
    {
        var events = Enumerable.Range(0, 40).Select(i => Ev.At(i % 2 == 0 ? "a" : "b", i, i)).ToArray();
        var results = await RunAsync(executor, p => p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(Windows.Count(5))
            .Sum(e => e.Value));

        var a = results.Where(r => r.Key == "a").OrderBy(r => r.PaneIndex).ToList();
        a.Should().HaveCount(4);
        a[0].Window.Should().Be(new Window(Ev.T0, Ev.T0.AddSeconds(8).AddTicks(1)));
        a[0].Value.Should().Be(0 + 2 + 4 + 6 + 8);

        // Sums of windows downstream: every count-window result reaches an event-time window, none is late.
        var totals = await RunAsync(executor, p => p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(Windows.Count(3))
            .Sum(e => e.Value)
            .KeyBy(_ => "all")
            .Window(Windows.Global())
            .Sum(r => r.Value));
        totals.Should().ContainSingle().Which.Value.Should().Be(Enumerable.Range(0, 40).Sum());
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task AFailingAggregate_IsHandledByTheErrorPolicy_AndTheWindowGoesOnWithoutIt(string executor)
    {
        var results = await RunAsync(executor, p => p.From(Sources.Enumerable(Enumerable.Range(1, 9)))
            .KeyBy(_ => "k")
            .Window(Windows.Count(3))
            .Aggregate(0, (sum, i) => i == 5 ? throw new InvalidOperationException("five") : sum + i, sum => sum)
            .OnError(ErrorPolicy.Skip));

        results.Select(r => r.Value).Should().Equal(1 + 2 + 3, 4 + 6 + 7, 8 + 9);
    }

    [Fact]
    public void Arguments_AndSettingsThatDoNotApply_AreRefused()
    {
        FluentActions.Invoking(() => Windows.Count(0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Windows.Count(3, 4)).Should().Throw<ArgumentOutOfRangeException>();
        var windowed = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 })).KeyBy(i => i).Window(Windows.Count(3));
        windowed.Invoking(w => w.AllowedLateness(TimeSpan.FromSeconds(1))).Should().Throw<InvalidOperationException>().WithMessage("*Count windows*");
        windowed.Invoking(w => w.Trigger(Triggers.Count(2))).Should().Throw<InvalidOperationException>().WithMessage("*Windows.Global()*");
    }
    [Fact]
    public async Task WithoutStorage_AStreamingRun_WarnsOnceThatCheckpointsWaitForWindowsToFill_AndKeepsItsResults()
    {
        var log = new CapturingLogger();
        var (streamed, bounded) = (new List<WindowResult<int, long>>(), new List<WindowResult<int, long>>());
        static Pipeline Counts(List<WindowResult<int, long>> results)
        {
            var p = new PipelineBuilder("counts");
            p.From(Sources.Enumerable(Enumerable.Range(0, 50))).KeyBy(i => i % 4).Window(Windows.Count(5)).Count().To(Sinks.Collection(results));
            return p.Build();
        }

        await new StreamingExecutor(new StreamingOptions { Parallelism = 3, Logger = log }).RunAsync(Counts(streamed)).WaitAsync(Deadline);
        await new BoundedExecutor(new BoundedExecutorOptions { Logger = log }).RunAsync(Counts(bounded)).WaitAsync(Deadline);

        log.Warnings.Should().ContainSingle("one warning per run and operator, whatever the parallelism, and none on the bounded executor")
            .Which.Should().Match("Count window * of pipeline counts runs without StreamingOptions.CheckpointStorage*checkpoints*stall*CheckpointStorage*");
        streamed.Where(r => r.Value == 5).Should().HaveCount(8, "the windows keep their size: 12 or 13 elements per key, two full windows each");
        streamed.Select(r => (r.Key, r.PaneIndex, r.Value)).Should().BeEquivalentTo(bounded.Select(r => (r.Key, r.PaneIndex, r.Value)));
    }

    [Fact]
    public async Task WithStorage_NothingIsWarned()
    {
        var directory = Path.Combine(Path.GetTempPath(), "pipelines-counts-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new CapturingLogger();
            var p = new PipelineBuilder("counts");
            p.From(new PacedSource<int>(Enumerable.Range(0, 50).ToList())).KeyBy(i => i % 4).Window(Windows.Count(5)).Count().To(Sinks.Collection(new List<WindowResult<int, long>>()));

            await new StreamingExecutor(new StreamingOptions { Logger = log, CheckpointStorage = CheckpointStorage.Directory(directory) }).RunAsync(p.Build()).WaitAsync(Deadline);

            log.Warnings.Should().BeEmpty();
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private static OperatorHarness<string, WindowResult<string, long>> Counts(int size, int? slide = null) =>
        new((context, output) => new CountWindowAggregate<string, string, long, long>(
            s => s,
            (CountWindows)Windows.Count(size, slide),
            new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default, output, null, context),
            context));

    [Fact]
    public void WithoutStorage_ATumblingBarrier_PassesOnceEveryWindowOpenAtItsArrivalIsFull_NotAtTheEndOfInput()
    {
        var h = Counts(3).Element("a", 1).Element("b", 2).Barrier(1);
        h.Output.Barriers.Should().BeEmpty("a and b each hold an element from before the barrier");

        h.Element("c", 3).Element("a", 4).Element("a", 5);
        h.Output.Values.Select(r => r.Key).Should().Equal("a");
        h.Output.Barriers.Should().BeEmpty("b's window still holds an element from before the barrier");

        h.Barrier(2);
        h.Element("b", 6).Element("b", 7);
        h.Output.Barriers.Should().Equal([1L], "b's window is out; c's window opened after barrier 1 but before barrier 2");

        h.Element("c", 8).Element("c", 9);
        h.Output.Barriers.Should().Equal([1L, 2L]);

        h.Element("d", 10).Barrier(3).Watermark(100);
        h.Output.Barriers.Should().Equal([1L, 2L], "d's window is not full, and the watermark does not empty count windows");
        h.End();
        h.Output.Barriers.Should().Equal(1L, 2L, 3L);
    }

    [Fact]
    public void WithoutStorage_ABarrierPassesAtOnce_WhenNoWindowHoldsAnElement()
    {
        var h = Counts(2).Element("a", 1).Element("a", 2).Barrier(1);
        h.Output.Barriers.Should().Equal([1L], "a's window was emitted full: nothing is held");
    }

    [Fact]
    public void WithoutStorage_ASlidingBarrier_WaitsForTheEndOfInput()
    {
        var h = Counts(3, 1).Element("a", 1).Barrier(1).Element("a", 2).Element("a", 3).Element("a", 4).Element("a", 5);
        h.Output.Barriers.Should().BeEmpty("element 1 is gone from a's window, but a sliding window keeps elements for later results");
        h.End();
        h.Output.Barriers.Should().Equal(1L);
    }
}
