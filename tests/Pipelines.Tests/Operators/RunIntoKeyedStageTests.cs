using Pipelines.Diagnostics;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary>
/// On the bounded executor a fused run of <c>Where</c> and <c>Select</c> (three or more of them, or any after a
/// <c>WithEventTime</c>) hands each element it lets through straight to the keyed stage after it, one at a time, instead of storing it into a batch first (for a large struct with
/// references, the store costs more than the keyed work). The keyed stage behaves as with batches: the same results
/// in the bounded executor's order, a failing key selector, aggregate or process function handled under the keyed
/// stage's own policy with the element it got (its output for that element withdrawn), and the monitor's counts.
/// </summary>
public class RunIntoKeyedStageTests
{
    private sealed class BoomException(string message) : Exception(message);

    /// <summary>A large struct with a reference: the element type for which handing elements over one by one pays.</summary>
    private readonly record struct Reading(string Sensor, long A, long B, long C, long D, DateTimeOffset Time);

    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static Reading[] Readings(int seed, int count = 600)
    {
        var random = new Random(seed);
        double t = 0;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            t += random.Next(0, 3);
            return new Reading($"s{random.Next(6)}", random.Next(100), random.Next(1, 50), i, -i, T0.AddSeconds(t));
        })];
    }

    public static TheoryData<int, int> SeedsAndBatchSizes()
    {
        var data = new TheoryData<int, int>();
        foreach (int batch in new[] { 1, 7, 1024 })
        {
            for (int seed = 0; seed < 4; seed++) data.Add(seed, batch);
        }

        return data;
    }

    private static DataStream<WindowResult<string, long>> Define(PipelineBuilder p, Reading[] readings) =>
        p.From(Sources.Enumerable(readings)).WithEventTime(r => r.Time, BoundedRun.NoDelay)
            .Where(r => r.A % 3 != 0)
            .Select(r => r with { B = r.B * 2 })
            .Where(r => r.B != 14)
            .KeyBy(r => r.Sensor)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(10)))
            .Sum(r => r.B);

    /// <summary>The bounded executor's order: by window end, then by when the (key, window) got its first element.</summary>
    private static List<(string Key, DateTimeOffset Start, long Sum)> Expected(Reading[] readings) =>
        [.. readings.Where(r => r.A % 3 != 0).Select(r => r with { B = r.B * 2 }).Where(r => r.B != 14)
            .Select((r, i) => (r, i))
            .GroupBy(x => (x.r.Sensor, Start: T0.AddSeconds(Math.Floor((x.r.Time - T0).TotalSeconds / 10) * 10)))
            .OrderBy(g => g.Key.Start).ThenBy(g => g.Min(x => x.i))
            .Select(g => (g.Key.Sensor, g.Key.Start, g.Sum(x => x.r.B)))];

    [Theory]
    [MemberData(nameof(SeedsAndBatchSizes))]
    public async Task ARunIntoAWindow_GivesTheWindowsOfTheElementsItLetThrough_InTheBoundedOrder_AndAsAStreamDoes(int seed, int batchSize)
    {
        var readings = Readings(seed);
        var expected = Expected(readings);

        var bounded = await BothExecutors.CollectAsync("bounded", batchSize, p => Define(p, readings));
        var streaming = await BothExecutors.CollectAsync("streaming", batchSize, p => Define(p, readings));

        bounded.Select(r => (r.Key, r.Window.Start, r.Value)).Should().Equal(expected);
        streaming.Select(r => (r.Key, r.Window.Start, r.Value)).Should().BeEquivalentTo(expected);
    }

    [Theory]
    [InlineData(ErrorPolicy.Skip)]
    [InlineData(ErrorPolicy.DeadLetter)]
    public async Task AKeySelectorFailingOnAnElementOfTheRun_IsTheWindowsError_UnderItsPolicy(ErrorPolicy policy)
    {
        var readings = Readings(11, 200);
        var bad = readings.First(r => r.A % 3 != 0 && r.Sensor == "s2");
        var results = new List<WindowResult<string, long>>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(readings)).WithEventTime(r => r.Time, BoundedRun.NoDelay)
            .Where(r => r.A % 3 != 0).Named("thirds")
            .KeyBy(r => r == bad ? throw new BoomException("no key") : r.Sensor)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Sum(r => r.B).Named("sums").OnError(policy)
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build());

        var kept = readings.Where(r => r.A % 3 != 0 && r != bad).ToArray();
        results.Sum(r => r.Value).Should().Be(kept.Sum(r => r.B));
        results.Count.Should().Be(kept.Select(r => (r.Sensor, (long)(r.Time - T0).TotalSeconds / 10)).Distinct().Count());
        if (policy == ErrorPolicy.Skip)
        {
            summary.ElementsSkipped.Should().Be(1);
            dead.Should().BeEmpty();
        }
        else
        {
            dead.Select(d => (d.Operator, d.Element, d.Timestamp)).Should().Equal(("sums", (object?)bad, (DateTimeOffset?)bad.Time));
            dead[0].Exception.Should().BeOfType<BoomException>();
            summary.ElementsDeadLettered.Should().Be(1);
        }
    }

    [Fact]
    public async Task AnAggregateFailingOnTheElementThatWouldOpenAWindow_LeavesNoWindowBehind_AndFailingRunsAreNamed()
    {
        // The only element of the second minute fails in the aggregate: skipped, it leaves no empty window.
        var readings = new[]
        {
            new Reading("a", 1, 1, 0, 0, T0.AddSeconds(1)), new Reading("a", 1, 2, 0, 0, T0.AddSeconds(2)),
            new Reading("a", 1, -1, 0, 0, T0.AddSeconds(70)),
        };
        DataStream<WindowResult<string, long>> Sums(PipelineBuilder p) =>
            p.From(Sources.Enumerable(readings)).WithEventTime(r => r.Time, BoundedRun.NoDelay)
                .Where(r => r.A > 0).Select(r => r with { C = 1 })
                .KeyBy(r => r.Sensor).Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
                .Sum(r => r.B < 0 ? throw new BoomException("negative") : r.B).Named("minutes");

        var (skipped, summary) = await BoundedRun.CollectWithSummaryAsync(p => Sums(p).OnError(ErrorPolicy.Skip));
        var failing = new PipelineBuilder();
        Sums(failing).To(Sinks.Collection(new List<WindowResult<string, long>>()));
        var act = () => new BoundedExecutor().RunAsync(failing.Build());

        skipped.Flat().Should().Equal(("a", T0, T0.AddMinutes(1), 3L));
        summary.ElementsSkipped.Should().Be(1);
        var error = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        error.Message.Should().StartWith("Operator 'minutes' failed on element 'Reading { Sensor = a, A = 1, B = -1,");
        error.InnerException.Should().BeOfType<BoomException>();
    }

    /// <summary>Emits a record per element, then fails on every fifth: what it emitted for that element must not stay.</summary>
    private sealed class EmitThenFail : KeyedProcessFunction<string, Reading, long>
    {
        public override void ProcessElement(Reading element, KeyedProcessContext<string, long> context)
        {
            context.Emit(element.C);
            if (element.C % 5 == 4) throw new BoomException($"fifth {element.C}");
            context.Emit(-element.C);
        }
    }

    [Fact]
    public async Task AProcessFunctionFailingAfterEmitting_ForAnElementOfTheRun_HasItsOutputForThatElementWithdrawn()
    {
        var readings = Readings(5, 100);
        var dead = new List<DeadLetter>();
        var results = new List<long>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(readings))
            .Where(r => r.A % 2 == 0)
            .Select(r => r with { D = 0 })
            .Where(r => r.B > 0)
            .KeyBy(r => r.Sensor)
            .Process(() => new EmitThenFail()).Named("pairs").OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 8 }).RunAsync(p.Build());

        var passed = readings.Where(r => r.A % 2 == 0).ToList();
        results.Should().Equal(passed.Where(r => r.C % 5 != 4).SelectMany(r => new[] { r.C, -r.C }));
        dead.Select(d => ((Reading)d.Element!).C).Should().Equal(passed.Where(r => r.C % 5 == 4).Select(r => r.C));
        dead.Should().OnlyContain(d => d.Operator == "pairs");
    }

    [Fact]
    public async Task AKeyedFailure_NamesTheElementTheStageGot_TheRunsSelectorsRunningAgainForIt()
    {
        int selected = 0;
        var dead = new List<DeadLetter>();
        var results = new List<WindowResult<string, long>>();
        var readings = Readings(8, 50);
        var bad = readings[20];
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(readings)).WithEventTime(r => r.Time, BoundedRun.NoDelay)
            .Select(r => { Interlocked.Increment(ref selected); return r with { D = 7 }; })
            .KeyBy(r => r.Sensor)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(10)))
            .Sum(r => r.C == bad.C ? throw new BoomException("bad") : r.B).Named("sums").OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 8 }).RunAsync(p.Build());

        dead.Select(d => (d.Operator, d.Element)).Should().Equal(("sums", (object?)(bad with { D = 7 })));
        selected.Should().Be(51, "the selector runs once more for the failing element, to give the element the window got");
        results.Sum(r => r.Value).Should().Be(readings.Where(r => r != bad).Sum(r => r.B));
    }

    [Fact]
    public async Task AKeyedFailure_WhoseElementTheRunCannotGiveAgain_StillGoesToTheStagesPolicy_WithItsOutputWithdrawn()
    {
        // The selector fails the second time it sees an element: the process function's failure is dead-lettered
        // under its own name without the element, and what it emitted for that element is withdrawn.
        var seen = new HashSet<long>();
        var dead = new List<DeadLetter>();
        var results = new List<long>();
        var readings = Readings(9, 40);
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(readings)).WithEventTime(r => r.Time, BoundedRun.NoDelay)
            .Select(r => seen.Add(r.C) ? r with { D = 1 } : throw new BoomException("seen before"))
            .KeyBy(r => r.Sensor)
            .Process(() => new EmitThenFail()).Named("pairs").OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 8 }).RunAsync(p.Build());

        results.Should().Equal(readings.Where(r => r.C % 5 != 4).SelectMany(r => new[] { r.C, -r.C }));
        dead.Should().HaveCount(readings.Count(r => r.C % 5 == 4));
        dead.Should().OnlyContain(d => d.Operator == "pairs" && d.Element == null && d.Exception is BoomException && d.Exception.Message.StartsWith("fifth", StringComparison.Ordinal));
        summary.ElementsDeadLettered.Should().Be(dead.Count);
        summary.ElementsSkipped.Should().Be(0);
    }

    [Fact]
    public async Task TheMonitor_CountsWhatTheRunHandsTheKeyedStage_AsItsInput()
    {
        string name = $"run-into-keyed-{Guid.NewGuid():N}";
        var readings = Readings(3, 500);
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(readings, "readings")).WithEventTime(r => r.Time, BoundedRun.NoDelay)
            .Where(r => r.A % 4 == 0).Named("quarter")
            .Select(r => r with { D = 1 }).Named("marked")
            .KeyBy(r => r.Sensor).Window(Windows.Tumbling(TimeSpan.FromSeconds(30))).Count().Named("counts")
            .To(Sinks.Action<WindowResult<string, long>>(_ => { }, "nowhere"));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build());

        var run = await MonitoredRuns.NamedAsync(name);
        var snapshot = run.Snapshot();
        long In(string node) => snapshot.Nodes.Single(n => n.Id == run.Nodes.Single(g => g.Name == node).Id).ElementsIn;
        long Out(string node) => snapshot.Nodes.Single(n => n.Id == run.Nodes.Single(g => g.Name == node).Id).ElementsOut;
        long passed = readings.Count(r => r.A % 4 == 0);
        (In("marked"), Out("marked")).Should().Be((passed, passed));
        In("counts").Should().Be(passed);
        Out("counts").Should().Be(readings.Where(r => r.A % 4 == 0).Select(r => (r.Sensor, (long)(r.Time - T0).TotalSeconds / 30)).Distinct().Count());
    }
}
