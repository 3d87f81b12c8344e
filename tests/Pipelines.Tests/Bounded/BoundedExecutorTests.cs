using System.Threading.Channels;
using Pipelines.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Bounded;

public class BoundedExecutorTests
{
    private static readonly WindowAssigner Minute = Windows.Tumbling(TimeSpan.FromMinutes(1));

    private static async IAsyncEnumerable<int> CountTo(int n)
    {
        for (int i = 1; i <= n; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    [Fact]
    public async Task WindowResults_OfOneWindow_ComeInTheOrderTheirKeysWereFirstSeen()
    {
        // 40 keys in a scrambled order: neither sorted nor hash order would reproduce it.
        var keys = Enumerable.Range(0, 40).Select(i => $"key{i * 17 % 40:D2}").ToList();
        var events = keys.Concat(keys.AsEnumerable().Reverse()).Select((k, i) => Ev.At(k, i * 0.5)).ToArray();

        var results = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(Minute).Count());

        results.Select(r => r.Key).Should().Equal(keys);
        results.Should().OnlyContain(r => r.Value == 2);
    }

    [Fact]
    public async Task WindowResults_AreOrderedByWindowEnd_WhateverTheArrivalOrder()
    {
        var events = new[] { Ev.At("x", 250), Ev.At("y", 130), Ev.At("x", 10), Ev.At("z", 70), Ev.At("y", 5) };

        var results = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(Minute).Count());

        results.Select(r => (r.Window.Start, r.Key)).Should().Equal(
            (Ev.T0, "x"), (Ev.T0, "y"), (Ev.T0.AddMinutes(1), "z"), (Ev.T0.AddMinutes(2), "y"), (Ev.T0.AddMinutes(4), "x"));
    }

    [Fact]
    public async Task WindowResults_SlidingWindowsWithTheSameEnd_FollowFirstSeenOrder()
    {
        var events = new[] { Ev.At("b", 45), Ev.At("a", 50), Ev.At("b", 55) };

        var results = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key)
            .Window(Windows.Sliding(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30))).Count());

        results.Select(r => (r.Window.End, r.Key, r.Value)).Should().Equal(
            (Ev.T0.AddSeconds(60), "b", 2L), (Ev.T0.AddSeconds(60), "a", 1L),
            (Ev.T0.AddSeconds(90), "b", 2L), (Ev.T0.AddSeconds(90), "a", 1L));
    }

    [Fact]
    public async Task Sources_AreReadOneAfterAnother_InTheOrderTheyWereAdded()
    {
        var log = new List<string>();
        var p = new PipelineBuilder();
        var second = p.From(Sources.Enumerable(new[] { "s1", "s2" }));
        var first = p.From(Sources.Enumerable(new[] { "f1", "f2", "f3" }));
        first.Union(second).To(Sinks.Action<string>(log.Add));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 1 }).RunAsync(p.Build());

        log.Should().Equal("s1", "s2", "f1", "f2", "f3");
    }

    [Fact]
    public async Task SamePipeline_RunTwice_GivesTheSameResultsAndCounts()
    {
        var events = Enumerable.Range(0, 500).Select(i => Ev.At("k" + (i * 7 % 13), i * 1.3, i)).ToArray();
        var results = new List<WindowResult<string, int>>();
        var p = new PipelineBuilder();
        p.Events(events).KeyBy(e => e.Key).Window(Windows.Sliding(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(45))).Sum(e => e.Value)
            .To(Sinks.Collection(results));
        var pipeline = p.Build();
        var executor = new BoundedExecutor();

        var first = await executor.RunAsync(pipeline);
        var firstResults = results.ToList();
        results.Clear();
        var second = await executor.RunAsync(pipeline);

        results.Should().Equal(firstResults).And.NotBeEmpty();
        (second with { Elapsed = default }).Should().Be(first with { Elapsed = default });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public async Task Results_DoNotDependOnTheBatchSize(int batchSize)
    {
        var events = Enumerable.Range(0, 300).Select(i => Ev.At("k" + (i % 5), (i * 37) % 600, i)).ToArray();
        Func<PipelineBuilder, DataStream<WindowResult<string, int>>> define = p => p
            .Events(events).Where(e => e.Value % 4 != 0).KeyBy(e => e.Key).Window(Windows.Session(TimeSpan.FromSeconds(20))).Sum(e => e.Value);

        var reference = await BoundedRun.CollectAsync(define);
        var results = await BoundedRun.CollectAsync(define, new BoundedExecutorOptions { BatchSize = batchSize });

        results.Should().Equal(reference);
    }

    [Fact]
    public async Task UnboundedChannelSource_IsRejected_NamingTheSource_BeforeAnyElementIsRead()
    {
        var channel = Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(1);
        channel.Writer.TryWrite(2);
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader, "live-orders")).To(Sinks.Collection(new List<int>()));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        await act.Should().ThrowAsync<InvalidOperationException>()
            .WithMessage("The bounded executor needs sources that end, but 'live-orders' may not*StreamingExecutor*");
        channel.Reader.Count.Should().Be(2, "nothing may be read from the channel");
    }

    [Fact]
    public async Task UnboundedSource_IsRejected_BeforeAnySourceOrSinkIsOpened_NamingOnlyTheUnboundedOnes()
    {
        var bounded = new ProbeSource<int>([1, 2], name: "history");
        var unbounded = new ProbeSource<int>([3], isBounded: false, name: "feed");
        var sink = new List<int>();
        var p = new PipelineBuilder();
        p.From(bounded).Union(p.From(unbounded)).To(Sinks.Action<int>(sink.Add));
        var pipeline = p.Build();

        var act = () => new BoundedExecutor().RunAsync(pipeline);

        (await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*'feed'*")).Which.Message.Should().NotContain("history");
        pipeline.IsBounded.Should().BeFalse();
        (bounded.Opened, unbounded.Opened, bounded.Read, unbounded.Read).Should().Be((0, 0, 0, 0));
        sink.Should().BeEmpty();
    }

    [Fact]
    public async Task AsyncEnumerableSource_IsUnboundedByDefault_AndRunsWhenDeclaredBounded()
    {
        var unbounded = new PipelineBuilder();
        unbounded.From(Sources.AsyncEnumerable(CountTo(3))).To(Sinks.Collection(new List<int>()));
        var results = new List<int>();
        var bounded = new PipelineBuilder();
        bounded.From(Sources.AsyncEnumerable(CountTo(100), isBounded: true)).Where(x => x % 10 == 0).To(Sinks.Collection(results));

        var act = () => new BoundedExecutor().RunAsync(unbounded.Build());
        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 7 }).RunAsync(bounded.Build());

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*'AsyncEnumerable<Int32>'*");
        results.Should().Equal(10, 20, 30, 40, 50, 60, 70, 80, 90, 100);
        summary.ElementsRead.Should().Be(100);
    }

    [Fact]
    public async Task RunSummary_CountsElementsReadFromEverySource_AndNothingLateOrSkipped()
    {
        var p = new PipelineBuilder();
        var a = p.From(Sources.Enumerable(Enumerable.Range(0, 1000).ToArray()));
        var b = p.From(Sources.Enumerable(Enumerable.Range(0, 234).ToList()));
        a.Where(x => x < 10).Union(b.Where(x => x < 0)).To(Sinks.Collection(new List<int>()));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 100 }).RunAsync(p.Build());

        summary.ElementsRead.Should().Be(1234);
        summary.LateElementsDropped.Should().Be(0);
        summary.ElementsSkipped.Should().Be(0);
        summary.ElementsDeadLettered.Should().Be(0);
        summary.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero);
    }

    [Fact]
    public async Task EmptyInput_CompletesWithNoResults_AndZeroCounts()
    {
        var (results, summary) = await BoundedRun.CollectWithSummaryAsync(p => p
            .Events().KeyBy(e => e.Key).Window(Minute).Count());

        results.Should().BeEmpty();
        summary.ElementsRead.Should().Be(0);
    }

    [Fact]
    public async Task EarlyTriggersAndAllowedLateness_AreIgnored_OnlyOneOnTimePanePerWindow()
    {
        var events = Enumerable.Range(0, 30).Select(i => Ev.At("k", 59 - i)).ToArray();

        var results = await BoundedRun.CollectAsync(p => p
            .Events(events).KeyBy(e => e.Key).Window(Minute)
            .EarlyResults(2).EarlyResults(TimeSpan.FromMilliseconds(1)).AllowedLateness(TimeSpan.FromHours(1))
            .Count());

        results.Should().ContainSingle().Which.Should().Be(
            new WindowResult<string, long>("k", results[0].Window, 30, PaneTiming.OnTime, 0));
    }

    [Fact]
    public async Task TestStream_WatermarkStepsAreIgnored_SoElementsBehindThemAreNotLate()
    {
        var script = new TestStream<string>()
            .Add(Ev.T0.AddSeconds(10), "a")
            .AdvanceWatermarkTo(Ev.T0.AddHours(1))
            .Add(Ev.T0.AddSeconds(20), "a");
        var results = new List<WindowResult<string, long>>();
        var late = new List<string>();
        var p = new PipelineBuilder();
        var counts = p.From(script).KeyBy(s => s).Window(Minute).Count();
        counts.To(Sinks.Collection(results));
        counts.LateElements().To(Sinks.Collection(late));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        results.Select(r => (r.Window.Start, r.Value, r.Timing)).Should().Equal((Ev.T0, 2L, PaneTiming.OnTime));
        late.Should().BeEmpty();
        summary.LateElementsDropped.Should().Be(0);
    }

    [Fact]
    public async Task Sources_AreOpenedAndDisposedOncePerRun()
    {
        var source = new ProbeSource<int>([1, 2, 3]);
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Collection(results));
        var pipeline = p.Build();

        await new BoundedExecutor().RunAsync(pipeline);
        results.Clear();
        await new BoundedExecutor().RunAsync(pipeline);

        (source.Opened, source.Disposed).Should().Be((2, 2));
    }

    [Fact]
    public async Task FailedRun_StillDisposesTheSource()
    {
        var source = new ProbeSource<int>([1, 2, 3]);
        var p = new PipelineBuilder();
        p.From(source).Select(x => x == 2 ? throw new InvalidCastException() : x).To(Sinks.Collection(new List<int>()));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        await act.Should().ThrowAsync<PipelineExecutionException>();
        source.Disposed.Should().Be(1);
    }
}
