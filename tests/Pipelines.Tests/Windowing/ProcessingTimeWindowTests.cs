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
    public void AllowedLateness_IsRefused()
    {
        var windowed = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 })).KeyBy(i => i).Window(Windows.TumblingProcessingTime(TimeSpan.FromSeconds(1)));
        windowed.Invoking(w => w.AllowedLateness(TimeSpan.FromSeconds(1))).Should().Throw<InvalidOperationException>().WithMessage("*Processing-time windows*");
    }
}
