using Microsoft.Extensions.Time.Testing;
using Pipelines.Aggregation;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;
using Pipelines.Windowing;

namespace Pipelines.Tests.Windowing;

/// <summary>Custom triggers: on count, on processing time, on the watermark, combined; purging or accumulating.</summary>
public class TriggerTests
{
    public static TheoryData<string> Executors => BothExecutors.Names;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<List<T>> RunAsync<T>(string executor, Func<PipelineBuilder, DataStream<T>> define) => BothExecutors.CollectAsync(executor, 5, define);

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task GlobalWindow_WithAPurgingCountTrigger_GivesPerKeyBatches_AndTheRestAtTheEnd(string executor)
    {
        var results = await RunAsync(executor, p => p.From(Sources.Enumerable(Enumerable.Range(0, 23)))
            .KeyBy(i => i % 2)
            .Window(Windows.Global())
            .Trigger(Triggers.Count(4).Purging())
            .Aggregate(new List<int>(), (l, i) => [.. l, i], l => string.Join(",", l)));

        var evens = results.Where(r => r.Key == 0).OrderBy(r => r.PaneIndex).ToList();
        evens.Select(r => r.Value).Should().Equal("0,2,4,6", "8,10,12,14", "16,18,20,22");
        evens.Select(r => r.Timing).Should().Equal(PaneTiming.Early, PaneTiming.Early, PaneTiming.Early);
        var odds = results.Where(r => r.Key == 1).OrderBy(r => r.PaneIndex).ToList();
        odds.Select(r => r.Value).Should().Equal("1,3,5,7", "9,11,13,15", "17,19,21");
        odds.Select(r => r.Timing).Should().Equal(PaneTiming.Early, PaneTiming.Early, PaneTiming.OnTime);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task EventTimeWindow_WithAnAccumulatingCountTrigger_FiresEveryN_AndALastPaneForTheRest(string executor)
    {
        var events = Enumerable.Range(0, 7).Select(i => Ev.At("a", i, 1)).ToArray();
        var results = await RunAsync(executor, p => p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Trigger(Triggers.Count(3))
            .Sum(e => e.Value));

        results.Select(r => (r.Value, r.Timing)).Should().Equal((3, PaneTiming.Early), (6, PaneTiming.Early), (7, PaneTiming.OnTime));
    }

    [Fact]
    public async Task WithoutTheWatermark_NoPaneRepeatsAWindowWithNothingNew_WithIt_TheOnTimePaneAlwaysComes()
    {
        var events = Enumerable.Range(0, 6).Select(i => Ev.At("a", i, 1)).ToArray();
        var countOnly = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Trigger(Triggers.Count(3)).Sum(e => e.Value));
        countOnly.Select(r => (r.Value, r.Timing)).Should().Equal((3, PaneTiming.Early), (6, PaneTiming.Early));

        var withWatermark = await BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Trigger(Triggers.Count(3).Or(Triggers.Watermark())).Sum(e => e.Value));
        withWatermark.Select(r => (r.Value, r.Timing)).Should().Equal((3, PaneTiming.Early), (6, PaneTiming.Early), (6, PaneTiming.OnTime));
    }

    [Fact]
    public void CountOrProcessingTime_FiresOnWhicheverComesFirst_OnTheFakeClock()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var trigger = Triggers.Count(3).Or(Triggers.ProcessingTime(TimeSpan.FromSeconds(10))).Purging();
        var harness = new OperatorHarness<string, WindowResult<string, long>>((context, output) => new WindowAggregate<string, string, long, long>(
            s => s[..1],
            Windows.Global(),
            new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), Spec(trigger), output, null, context),
            context));

        harness.Element("a1", 0).Element("a2", 0).Element("b1", 0).Element("a3", 0);
        harness.Output.Values.Select(r => (r.Key, r.Value)).Should().Equal(("a", 3L));

        clock.Advance(TimeSpan.FromSeconds(10));
        harness.Element("a4", 0).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Select(r => (r.Key, r.Value)).Should().Equal(("a", 3L), ("a", 1L), ("b", 1L));

        clock.Advance(TimeSpan.FromSeconds(5));
        harness.Element("b2", 0).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().HaveCount(3, "the interval has not passed again");

        clock.Advance(TimeSpan.FromSeconds(5));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Select(r => (r.Key, r.Value)).Last().Should().Be(("b", 1L));
        harness.Output.Values.Should().HaveCount(4);

        harness.End();
        harness.Output.Values.Should().HaveCount(4, "nothing came since the last panes, and the trigger does not fire on the watermark");
        harness.Output.Values.Should().OnlyContain(r => r.Timing == PaneTiming.Early);
    }

    [Fact]
    public async Task ProcessingTimeTrigger_FiresOnTheStreamingClock_WhileTheInputStaysOpen()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var channel = System.Threading.Channels.Channel.CreateUnbounded<int>();
        for (int i = 0; i < 5; i++) await channel.Writer.WriteAsync(i);
        var panes = new System.Collections.Concurrent.ConcurrentQueue<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).KeyBy(_ => "k").Window(Windows.Global())
            .Trigger(Triggers.ProcessingTime(TimeSpan.FromSeconds(1)))
            .Count()
            .To(Sinks.Action<WindowResult<string, long>>(panes.Enqueue));
        var run = new StreamingExecutor(new StreamingOptions { TimeProvider = clock }).Start(p.Build());

        var deadline = DateTime.UtcNow + Deadline;
        while (panes.IsEmpty || panes.Last().Value < 5)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("No pane was emitted on the clock.");
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(5);
        }

        panes.Should().OnlyContain(r => r.Timing == PaneTiming.Early);
        channel.Writer.Complete();
        await run.Completion.WaitAsync(Deadline);
        panes.Last().Value.Should().Be(5);
        panes.Should().OnlyContain(r => r.Timing == PaneTiming.Early, "nothing came after the last early pane, so no last pane");
    }

    [Fact]
    public void Or_TakesTheSmallerCountAndTheShorterInterval()
    {
        var t = Triggers.Count(10).Or(Triggers.Count(3)).Or(Triggers.ProcessingTime(TimeSpan.FromSeconds(5))).Or(Triggers.ProcessingTime(TimeSpan.FromSeconds(2)));
        t.ToString().Should().Be("Count(3) or ProcessingTime(00:00:02)");
        t.IsPurging.Should().BeFalse();
        t.Purging().ToString().Should().Be("Count(3) or ProcessingTime(00:00:02), purging");
        Triggers.Watermark().Or(Triggers.Count(2)).ToString().Should().Be("Count(2) or Watermark");
        FluentActions.Invoking(() => Triggers.Count(0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Triggers.ProcessingTime(TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static TriggerSpec Spec(Trigger trigger) => TriggerSpec.Default with
    {
        EarlyEveryCount = trigger.EveryCount,
        EarlyInterval = trigger.EveryInterval,
        FireOnWatermark = trigger.OnWatermark,
        CountOnBothExecutors = true,
        Discarding = trigger.IsPurging,
    };
}
