using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary>
/// <c>WithEventTime</c> followed by <c>Where</c> and <c>Select</c> runs as the first step of their fused run (with a
/// bounded out-of-orderness strategy): every element is timed once, in the same loop that filters and projects it,
/// and the run behaves as the separate operator did — its own error policy and name, the element's event time for the
/// steps after it, the watermark from every element (also those a later <c>Where</c> drops), late data, counts.
/// </summary>
public class EventTimeRunTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private sealed class BoomException(string message) : Exception(message);

    private sealed record Tick(string Key, DateTimeOffset Time);

    private static Task<RunSummary> RunAsync(string executor, Pipeline pipeline) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(pipeline)
        : new StreamingExecutor(new StreamingOptions { MaxBatchSize = 4 }).RunAsync(pipeline);

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task ATimeFunctionFailing_InARun_DeadLettersTheElementUnderWithEventTimesName_AndTheRestGoesOn(string executor)
    {
        var results = new List<int>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(1, 12)))
            .WithEventTime(x => x == 5 ? throw new BoomException("no time") : T0.AddSeconds(x), Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)))
            .Named("stamp").OnError(ErrorPolicy.DeadLetter)
            .Where(x => x % 2 == 1).Named("odd")
            .Select(x => x * 10).Named("tenfold")
            .To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p.Build());

        results.Should().BeEquivalentTo([10, 30, 70, 90, 110]);
        dead.Select(d => (d.Operator, d.Element)).Should().Equal(("stamp", (object?)5));
        summary.ElementsDeadLettered.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task ATimeFunctionFailing_InARun_WithTheDefaultPolicy_FailsTheRun_NamingWithEventTimeAndTheElement(string executor)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(1, 12)))
            .WithEventTime(x => x == 7 ? throw new BoomException("no time") : T0.AddSeconds(x), Watermarks.Monotonic()).Named("stamp")
            .Where(x => x > 0)
            .Select(x => x + 1)
            .To(Sinks.Collection(new List<int>()));

        var act = () => RunAsync(executor, p.Build());

        var error = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        error.Message.Should().StartWith("Operator 'stamp' failed on element '7'");
        error.InnerException.Should().BeOfType<BoomException>();
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AStepAfterTheTimeFailing_GetsTheElementWithItsEventTime(string executor)
    {
        var dead = new List<DeadLetter>();
        var results = new List<int>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(1, 12)))
            .WithEventTime(x => T0.AddSeconds(x), Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)))
            .Where(x => x != 3)
            .Select(x => x == 8 ? throw new BoomException("eight") : x).Named("picky").OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));

        await RunAsync(executor, p.Build());

        results.Should().BeEquivalentTo(Enumerable.Range(1, 12).Where(x => x is not (3 or 8)));
        dead.Should().ContainSingle().Which.Should().Match<DeadLetter>(d => d.Operator == "picky" && (int)d.Element! == 8 && d.Timestamp == T0.AddSeconds(8));
    }

    [Fact]
    public async Task TheRunsWatermark_CountsElementsALaterWhereDrops_FiresWindows_AndMakesOlderElementsLate()
    {
        var clock = new FakeTimeProvider(T0);
        var feed = Channel.CreateUnbounded<Tick>();
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader, "ticks"))
            .WithEventTime(t => t.Time, Watermarks.Monotonic())
            .Where(t => t.Key != "skip")
            .Select(t => t with { Key = t.Key.ToUpperInvariant() })
            .KeyBy(t => t.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count()
            .To(Sinks.Action<WindowResult<string, long>>(r => { lock (results) results.Add(r); }));
        var run = new StreamingExecutor(new StreamingOptions { TimeProvider = clock }).Start(p.Build());

        feed.Writer.TryWrite(new Tick("a", T0.AddSeconds(10)));
        feed.Writer.TryWrite(new Tick("a", T0.AddSeconds(40)));

        // Only an element the Where drops moves event time past the first minute: the window fires on its watermark.
        feed.Writer.TryWrite(new Tick("skip", T0.AddMinutes(3)));
        var deadline = DateTime.UtcNow + HangGuard;
        while (true)
        {
            lock (results)
            {
                if (results.Count == 1) break;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the watermark of the dropped element fires the first minute");
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(10);
        }

        // Behind the watermark now: late.
        feed.Writer.TryWrite(new Tick("a", T0.AddSeconds(50)));
        feed.Writer.Complete();
        var summary = await run.Completion.WaitAsync(HangGuard);

        results.Should().Equal(new WindowResult<string, long>("A", new Window(T0, T0.AddMinutes(1)), 2, PaneTiming.OnTime, 0));
        summary.LateElementsDropped.Should().Be(1);
    }

    [Fact]
    public async Task TheMonitor_CountsWithEventTimesOutput_InARun()
    {
        string name = $"timed-run-{Guid.NewGuid():N}";
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(Enumerable.Range(0, 100), "numbers"))
            .WithEventTime(x => T0.AddSeconds(x), Watermarks.Monotonic()).Named("stamp")
            .Where(x => x % 4 == 0).Named("quarter")
            .Select(x => x + 1).Named("next")
            .To(Sinks.Action<int>(_ => { }, "nowhere"));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build());

        var run = await MonitoredRuns.NamedAsync(name);
        var snapshot = run.Snapshot();
        long Out(string node) => snapshot.Nodes.Single(n => n.Id == run.Nodes.Single(g => g.Name == node).Id).ElementsOut;
        long In(string node) => snapshot.Nodes.Single(n => n.Id == run.Nodes.Single(g => g.Name == node).Id).ElementsIn;
        (In("stamp"), Out("stamp")).Should().Be((100L, 100L));
        (In("quarter"), Out("quarter")).Should().Be((100L, 25L));
        (In("next"), Out("next")).Should().Be((25L, 25L));
    }
}
