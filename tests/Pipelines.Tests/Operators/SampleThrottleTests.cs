using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary><c>Sample(interval)</c> and <c>Throttle(elements, per)</c> on a fake clock, on both executors.</summary>
public class SampleThrottleTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<RunSummary> Start(string executor, PipelineBuilder p, TimeProvider clock) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 1, TimeProvider = clock }).RunAsync(p.Build())
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 4, TimeProvider = clock }).RunAsync(p.Build());

    [Fact]
    public void Sample_EmitsTheLatestElementOfEachPeriod_OnceThePeriodIsOver()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = new OperatorHarness<string, int>((_, output) => new Sample<int>(TimeSpan.FromSeconds(1), clock, output));

        harness.Element(1, 10).Element(2, 20);
        clock.Advance(TimeSpan.FromMilliseconds(900));
        harness.Element(3, 30).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().BeEmpty("the first second is not over");
        harness.Output.Watermarks.Should().BeEmpty("the watermark stays below the element held");

        clock.Advance(TimeSpan.FromMilliseconds(100));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Elements.Should().Equal((3, 30L));

        clock.Advance(TimeSpan.FromSeconds(5));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().Equal([3], "a period without elements emits nothing");

        harness.Element(4, 40);
        clock.Advance(TimeSpan.FromMilliseconds(1500));
        harness.Element(5, 50).Element(6, 60);
        harness.Output.Values.Should().Equal([3, 4], "an element of a later period lets the held one out");

        harness.Watermark(100).Barrier(7);
        harness.Output.Watermarks.Should().Equal(59L);
        harness.Output.Barriers.Should().BeEmpty("element 6 from before the barrier is still held");
        harness.End();
        harness.Output.Values.Should().Equal(3, 4, 6);
        harness.Output.Barriers.Should().Equal(7L);
    }

    [Fact]
    public async Task Sample_OnABoundedRun_KeepsOnePerPeriod_ByTheClockWhenElementsAreRead()
    {
        // The source moves the clock 300 ms per element: periods of 1 s hold elements 0–2, 3–6, 7–9, 10–12, …
        var clock = new FakeTimeProvider(Ev.T0);
        var results = new ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 20)))
            .Select(i =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(300));
                return i;
            })
            .Sample(TimeSpan.FromSeconds(1))
            .To(Sinks.Action<int>(results.Enqueue));

        await Start("bounded", p, clock).WaitAsync(Deadline);

        // Element i is read at 300·(i+1) ms: the last of each whole second, and the last element at the end.
        var expected = Enumerable.Range(0, 20).GroupBy(i => 300 * (i + 1) / 1000).Select(g => g.Max()).ToArray();
        results.Should().Equal(expected);
    }

    [Fact]
    public async Task Sample_OnAStreamingRun_EmitsOnTheClock_WhileTheInputStaysOpen()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var channel = System.Threading.Channels.Channel.CreateUnbounded<int>();
        for (int i = 0; i < 5; i++) await channel.Writer.WriteAsync(i);
        var results = new ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).Sample(TimeSpan.FromSeconds(1)).To(Sinks.Action<int>(results.Enqueue));
        var run = new StreamingExecutor(new StreamingOptions { TimeProvider = clock }).Start(p.Build());

        var deadline = DateTime.UtcNow + Deadline;
        while (!results.Contains(4))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Nothing was sampled on the clock.");
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(5);
        }

        channel.Writer.Complete();
        await run.Completion.WaitAsync(Deadline);
        results.Last().Should().Be(4, "the latest element is emitted, and none after it");
        results.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Throttle_KeepsToTheRate_WithABurstAtFirst_AndLosesNothing(string executor)
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var received = new ConcurrentQueue<(int Value, DateTimeOffset At)>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 12)))
            .Throttle(2, TimeSpan.FromSeconds(1))
            .To(Sinks.Action<int>(i => received.Enqueue((i, clock.GetUtcNow()))));

        var run = Start(executor, p, clock);
        var deadline = DateTime.UtcNow + Deadline;
        while (!run.IsCompleted)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The run did not end.");

            // The clock stands still until the burst has reached the sink: the times below are measured from the
            // first element's arrival, which must be the time it was let out (a bucket starts full, so no time is
            // needed for it). Later arrivals may be recorded after their release, which only widens what is allowed.
            if (received.Count >= 2) clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(run, Task.Delay(2));
        }

        await run;
        var got = received.ToArray();
        got.Select(r => r.Value).Should().Equal(Enumerable.Range(0, 12), "throttling delays, it does not drop or reorder");

        // A bucket of 2 refilled at 2 per second: by time t after the first element, at most 2 + 2·t elements.
        var first = got[0].At;
        for (int k = 0; k < got.Length; k++)
        {
            double allowed = 2 + 2 * (got[k].At - first).TotalSeconds;
            (k + 1).Should().BeLessThanOrEqualTo((int)Math.Floor(allowed + 1e-9), "element {0} came at {1}", k, got[k].At - first);
        }

        (got[^1].At - first).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(5), "10 elements after the burst at 2 per second");
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        var stream = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));
        stream.Invoking(s => s.Sample(TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>();
        stream.Invoking(s => s.Throttle(0, TimeSpan.FromSeconds(1))).Should().Throw<ArgumentOutOfRangeException>();
        stream.Invoking(s => s.Throttle(1, TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>();
        stream.Invoking(s => s.Throttle(1, TimeSpan.FromSeconds(1), maximumBurst: 0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
