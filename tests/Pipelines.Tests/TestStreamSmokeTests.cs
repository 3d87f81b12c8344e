using Pipelines.Testing;

namespace Pipelines.Tests;

public class TestStreamSmokeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Streaming_LateWithinLateness_EmitsLatePane_BeyondLateness_GoesToLateOutput()
    {
        var script = new TestStream<string>()
            .Add(T0.AddSeconds(1), "a", "a")
            .AdvanceWatermarkTo(T0.AddMinutes(1))
            .Add(T0.AddSeconds(2), "a")
            .AdvanceWatermarkTo(T0.AddMinutes(3))
            .Add(T0.AddSeconds(3), "a");
        var results = new List<WindowResult<string, long>>();
        var late = new List<string>();
        var p = new PipelineBuilder();
        var counts = p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).AllowedLateness(TimeSpan.FromMinutes(1)).Count();
        counts.To(Sinks.Collection(results));
        counts.LateElements().To(Sinks.Collection(late));
        var summary = await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(p.Build());
        results.Select(r => (r.Value, r.Timing, r.PaneIndex)).Should().Equal((2L, PaneTiming.OnTime, 0), (3L, PaneTiming.Late, 1));
        late.Should().Equal("a");
        summary.LateElementsDropped.Should().Be(1);
    }

    [Fact]
    public async Task Streaming_EarlyResultsByProcessingTime_FollowTheScript()
    {
        var script = new TestStream<string>();
        script.Add(T0.AddSeconds(1), "a", "a")
            .AdvanceProcessingTime(TimeSpan.FromSeconds(10))
            .Add(T0.AddSeconds(2), "a")
            .AdvanceProcessingTime(TimeSpan.FromSeconds(10));
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).EarlyResults(TimeSpan.FromSeconds(5)).Count().To(Sinks.Collection(results));
        await new StreamingExecutor(new StreamingOptions { Parallelism = 2, TimeProvider = script.Clock, IdleTimeout = Timeout.InfiniteTimeSpan }).RunAsync(p.Build());
        results.Select(r => (r.Value, r.Timing)).Should().Equal((2L, PaneTiming.Early), (3L, PaneTiming.Early), (3L, PaneTiming.OnTime));
    }

    /// <summary>
    /// Two stages in their own workers after the source, the second with processing-time windows: the clock moves
    /// only once every element before the step has gone through both, so each element lands in the window of the
    /// script's time, not in a later one because the second stage saw the new time before the first passed it on.
    /// (The source fills the first stage's channel to the brim before the step, so without the wait the second
    /// stage's tick overtakes thousands of elements.)
    /// </summary>
    [Fact]
    public async Task Streaming_ProcessingTimeStep_WaitsUntilEveryStageProcessedWhatCameBefore()
    {
        const int before = 50_000, after = 30_000;
        var script = new TestStream<int>();
        script.Add(T0, [.. Enumerable.Range(0, before)])
            .AdvanceProcessingTime(TimeSpan.FromSeconds(10))
            .Add(T0.AddSeconds(1), [.. Enumerable.Range(before, after)])
            .AdvanceProcessingTime(TimeSpan.FromSeconds(10));
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        p.From(script)
            .KeyBy(i => i % 100)
            .Process(static () => new PassOn())
            .KeyBy(i => i % 7)
            .Window(Windows.TumblingProcessingTime(TimeSpan.FromSeconds(10)))
            .Count()
            .To(Sinks.Collection(results));
        await RunOnTwoWorkersAsync(p, script);

        CountsByWindow(results, script)
            .Should().Equal((TimeSpan.Zero, (long)before), (TimeSpan.FromSeconds(10), (long)after));
    }

    /// <summary>
    /// A throttle waits for the script's clock to let elements out: a processing-time step does not wait for that
    /// wait (only the step ends it), so each step lets one more element out, at the script's time.
    /// </summary>
    [Fact]
    public async Task Streaming_ProcessingTimeStep_DoesNotWaitForAThrottleWaitingOnTheClock()
    {
        var script = new TestStream<int>();
        script.Add(T0, [.. Enumerable.Range(0, 5)]);
        for (int step = 0; step < 4; step++) script.AdvanceProcessingTime(TimeSpan.FromSeconds(1));
        var received = new List<(int Value, TimeSpan At)>();
        var p = new PipelineBuilder();
        p.From(script)
            .KeyBy(i => i % 3)
            .Process(static () => new PassOn())
            .Throttle(1, TimeSpan.FromSeconds(1))
            .To(Sinks.Action<int>(i => received.Add((i, script.Clock.GetUtcNow() - script.Clock.Start))));
        await RunOnTwoWorkersAsync(p, script);

        received.Select(r => r.Value).Should().BeEquivalentTo(Enumerable.Range(0, 5));
        received.Select(r => r.At).Should().Equal(Enumerable.Range(0, 5).Select(s => TimeSpan.FromSeconds(s)), "a bucket of one lets one element out per second of the script");
    }

    /// <summary>
    /// Stages whose writes wait for room behind a throttle that waits for the clock wait for the clock too: the
    /// throttle's small channel fills with the keyed stage's batches while it waits, and each step still comes. (The
    /// input fits in the channels before the throttle: a source that cannot hand on what comes before a step never
    /// reaches the step.)
    /// </summary>
    [Fact]
    public async Task Streaming_ProcessingTimeStep_DoesNotWaitForStagesBlockedBehindAThrottle()
    {
        const int count = 2_500, perSecond = 500;
        var script = new TestStream<int>();
        script.Add(T0, [.. Enumerable.Range(0, count)]);
        for (int step = 0; step < count / perSecond; step++) script.AdvanceProcessingTime(TimeSpan.FromSeconds(1));
        var received = new List<int>();
        var p = new PipelineBuilder();
        p.From(script)
            .KeyBy(i => i % 7)
            .Process(static () => new PassOn())
            .Throttle(perSecond, TimeSpan.FromSeconds(1))
            .To(Sinks.Collection(received));
        await new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 256, ChannelCapacity = 4, TimeProvider = script.Clock, IdleTimeout = Timeout.InfiniteTimeSpan })
            .RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60));

        received.Should().HaveCount(count).And.OnlyHaveUniqueItems();
    }

    /// <summary>
    /// What a throttle let out before it waits for the clock reaches the stages after it before the clock moves,
    /// though it went into an exchange's partial batches: each processing-time second counts what the throttle let
    /// out in that second.
    /// </summary>
    [Fact]
    public async Task Streaming_ProcessingTimeStep_SeesWhatAThrottleLetOutBeforeItsWait()
    {
        const int perSecond = 5, seconds = 4;
        var script = new TestStream<int>();
        script.Add(T0, [.. Enumerable.Range(0, perSecond * seconds)]);
        for (int step = 0; step < seconds; step++) script.AdvanceProcessingTime(TimeSpan.FromSeconds(1));
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        p.From(script)
            .Throttle(perSecond, TimeSpan.FromSeconds(1))
            .KeyBy(i => i % 2)
            .Window(Windows.TumblingProcessingTime(TimeSpan.FromSeconds(1)))
            .Count()
            .To(Sinks.Collection(results));
        await RunOnTwoWorkersAsync(p, script);

        CountsByWindow(results, script)
            .Should().Equal(Enumerable.Range(0, seconds).Select(s => (TimeSpan.FromSeconds(s), (long)perSecond)));
    }

    /// <summary>Runs on the streaming executor, two workers per keyed stage, on the script's clock; fails rather than hang.</summary>
    private static Task RunOnTwoWorkersAsync(PipelineBuilder p, TestStream<int> script) =>
        new StreamingExecutor(new StreamingOptions { Parallelism = 2, TimeProvider = script.Clock, IdleTimeout = Timeout.InfiniteTimeSpan })
            .RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Each processing-time window's count over every key, by its start after the script's first instant.</summary>
    private static IEnumerable<(TimeSpan Start, long Count)> CountsByWindow(List<WindowResult<int, long>> results, TestStream<int> script) =>
        results.GroupBy(r => r.Window.Start - script.Clock.Start).Select(g => (g.Key, g.Sum(r => r.Value))).OrderBy(w => w.Key);

    private sealed class PassOn : KeyedProcessFunction<int, int, int>
    {
        public override void ProcessElement(int element, KeyedProcessContext<int, int> context) => context.Emit(element);
    }
}
