using Pipelines.Diagnostics;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary>
/// Runs of <c>Where</c> and <c>Select</c> operators, which the plan fuses into one loop per worker: whatever their
/// order, number and types, they give LINQ's results on both executors, each operator keeps its own error policy and
/// name, and the monitor still counts each operator's output.
/// </summary>
public class FusedRunTests
{
    private sealed class BoomException(string message) : Exception(message);

    private sealed record Reading(string Sensor, int Value);

    private static readonly int[] Numbers = [.. Enumerable.Range(-40, 200)];

    /// <summary>One operator of a random run: a filter or a map over ints, with its LINQ counterpart.</summary>
    private sealed record Step(bool IsWhere, int A, int B)
    {
        public bool Keep(int x) => ((x % A) + A) % A != B % A;

        public int Map(int x) => unchecked((x * A) + B) % 1_000;

        public override string ToString() => IsWhere ? $"Where(x mod {A} != {B % A})" : $"Select(x * {A} + {B})";
    }

    private static List<Step> RandomRun(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, random.Next(2, 8)).Select(_ => new Step(random.Next(2) == 0, random.Next(2, 7), random.Next(0, 9)))];
    }

    private static IEnumerable<int> Linq(IEnumerable<int> input, List<Step> run)
    {
        foreach (var step in run) input = step.IsWhere ? input.Where(step.Keep) : input.Select(step.Map);
        return input;
    }

    private static DataStream<int> Apply(DataStream<int> stream, List<Step> run)
    {
        foreach (var step in run) stream = step.IsWhere ? stream.Where(step.Keep) : stream.Select(step.Map);
        return stream;
    }

    public static TheoryData<string, int> Seeds()
    {
        var data = new TheoryData<string, int>();
        foreach (var executor in BothExecutors.Names)
        {
            for (int seed = 0; seed < 12; seed++) data.Add(executor, seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomRunsOfWhereAndSelect_GiveLinqsResults(string executor, int seed)
    {
        var run = RandomRun(seed);
        var expected = Linq(Numbers, run).ToList();

        // Batches of 7: a run's output buffer fills and is flushed in the middle of an input batch.
        var results = await BothExecutors.CollectAsync(executor, 7, p => Apply(p.From(Sources.Enumerable(Numbers)), run));

        if (executor == "bounded") results.Should().Equal(expected, string.Join(".", run));
        else results.Should().BeEquivalentTo(expected, string.Join(".", run));
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task ARunChangingTypes_FromValuesToStringsToRecordsToLongs_GivesLinqsResults(string executor)
    {
        var expected = Numbers
            .Select(x => $"s{x % 7}")
            .Where(s => s != "s0")
            .Select(s => new Reading(s, s.Length * 10))
            .Where(r => r.Sensor.EndsWith('3') || r.Value > 20)
            .Select(r => (long)r.Value * r.Sensor[^1])
            .ToList();

        var results = await BothExecutors.CollectAsync(executor, 16, p => p.From(Sources.Enumerable(Numbers))
            .Select(x => $"s{x % 7}")
            .Where(s => s != "s0")
            .Select(s => new Reading(s, s.Length * 10))
            .Where(r => r.Sensor.EndsWith('3') || r.Value > 20)
            .Select(r => (long)r.Value * r.Sensor[^1]));

        results.Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task ARunAfterEventTimeAssignment_KeepsEachElementsEventTime_IntoAWindow()
    {
        var events = Enumerable.Range(0, 60).Select(i => Ev.At(i % 2 == 0 ? "a" : "b", i, i)).ToArray();

        var results = await BoundedRun.CollectAsync(p => p.Events(events)
            .Where(e => e.Value % 3 != 0)
            .Select(e => e with { Value = e.Value * 2 })
            .Where(e => e.Value < 100)
            .KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Sum(e => e.Value));

        var expected = events.Where(e => e.Value % 3 != 0).Select(e => e with { Value = e.Value * 2 }).Where(e => e.Value < 100)
            .GroupBy(e => (e.Key, Start: Ev.T0.AddSeconds((int)(e.Time - Ev.T0).TotalSeconds / 10 * 10)))
            .Select(g => (g.Key.Key, g.Key.Start, g.Sum(e => e.Value)));
        results.Select(r => (r.Key, r.Window.Start, r.Value)).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task AFailingOperatorInTheMiddleOfARun_IsNamedInTheError_WithTheElementItSaw()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Numbers))
            .Where(x => x > 0).Named("positive")
            .Select(x => x * 10).Named("tenfold")
            .Where(x => x == 50 ? throw new BoomException("fifty") : true).Named("picky")
            .Select(x => x + 1).Named("plus one")
            .To(Sinks.Collection(new List<int>()));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        var error = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        error.Message.Should().StartWith("Operator 'picky' failed on element '50'");
        error.InnerException.Should().BeOfType<BoomException>();
    }

    [Fact]
    public async Task EachOperatorOfARun_KeepsItsOwnErrorPolicy_AndDeadLettersUnderItsOwnName()
    {
        var results = new List<int>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(1, 12)))
            .Select(x => x % 5 == 0 ? throw new BoomException("five") : x).Named("no fives").OnError(ErrorPolicy.Skip)
            .Where(x => x % 2 == 1).Named("odd")
            .Select(x => x == 7 ? throw new BoomException("seven") : x * 100).Named("hundredfold").OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(p.Build());

        results.Should().Equal(100, 300, 900, 1100);
        summary.ElementsSkipped.Should().Be(2, "5 and 10 fail in 'no fives', which skips");
        dead.Select(d => (d.Operator, d.Element)).Should().Equal(("hundredfold", (object?)7));
        summary.ElementsDeadLettered.Should().Be(1);
    }

    private static Task<RunSummary> RunAsync(string executor, Pipeline pipeline) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(pipeline)
        : new StreamingExecutor(new StreamingOptions { MaxBatchSize = 4 }).RunAsync(pipeline);

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AFailingStep_GetsTheElementItSaw_AndOnlyTheSelectorsBeforeItRunAgain_ForThatElement(string executor)
    {
        int selected = 0, tested = 0;
        var results = new List<int>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(1, 12)))
            .Select(x => { Interlocked.Increment(ref selected); return x * 10; }).Named("tenfold")
            .Where(x => { Interlocked.Increment(ref tested); return true; }).Named("all")
            .Select(x => x == 50 ? throw new BoomException("fifty") : x + 1).Named("plus one").OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p.Build());

        results.Should().Equal(Enumerable.Range(1, 12).Where(x => x != 5).Select(x => (x * 10) + 1));
        dead.Select(d => (d.Operator, d.Element)).Should().Equal(("plus one", (object?)50));
        summary.ElementsDeadLettered.Should().Be(1);
        selected.Should().Be(13, "the selector before the failing step runs once more for the failing element, to give the element that step saw");
        tested.Should().Be(12, "a predicate before the failing step held for the element: it does not run again");
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AFailingStep_WhoseElementASelectorCannotGiveAgain_IsStillHandledByItsOwnPolicy_WithoutTheElement(string executor)
    {
        // The selector fails the second time it sees an element (not a pure function): the later step's failure
        // stands under that step's policy, without its element; the selector's second failure is not dead-lettered.
        var seen = new HashSet<int>();
        var results = new List<int>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(1, 12)))
            .Select(x => { lock (seen) { return seen.Add(x) ? x * 10 : throw new BoomException("seen before"); } }).Named("once").OnError(ErrorPolicy.DeadLetter)
            .Where(x => x == 50 ? throw new BoomException("fifty") : true).Named("picky").OnError(ErrorPolicy.Skip)
            .To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p.Build());

        results.Should().BeEquivalentTo(Enumerable.Range(1, 12).Where(x => x != 5).Select(x => x * 10));
        summary.ElementsSkipped.Should().Be(1, "'picky' failed on 50 and skips");
        dead.Should().BeEmpty();
        summary.ElementsDeadLettered.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AFailingStep_WhoseEventTimeCannotBeGivenAgain_IsStillHandledByItsOwnPolicy(string executor)
    {
        var seen = new HashSet<int>();
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(1, 12)))
            .WithEventTime(x => { lock (seen) { return seen.Add(x) ? DateTimeOffset.UnixEpoch.AddSeconds(x) : throw new BoomException("seen before"); } }, Watermarks.Monotonic())
            .Where(x => x == 5 ? throw new BoomException("five") : true).Named("picky").OnError(ErrorPolicy.Skip)
            .Select(x => x * 10)
            .To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p.Build());

        results.Should().BeEquivalentTo(Enumerable.Range(1, 12).Where(x => x != 5).Select(x => x * 10));
        summary.ElementsSkipped.Should().Be(1, "'picky' failed on 5 and skips");
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AFailureAfterTheRun_IsTheLaterOperators_NotSkippedByThePolicyOfTheRunsLastStep(string executor)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(1, 40)))
            .Where(x => x > 0).Named("positive").OnError(ErrorPolicy.Skip)
            .Select(x => x * 3).Named("tripled").OnError(ErrorPolicy.Skip)
            .Where(x => x != 0).Named("nonzero").OnError(ErrorPolicy.Skip)
            .SelectMany(x => x == 30 ? throw new BoomException("thirty") : new[] { x }).Named("picky")
            .To(Sinks.Collection(new List<int>()));

        var act = () => RunAsync(executor, p.Build());

        var error = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        error.Message.Should().StartWith("Operator 'picky' failed on element '30'");
        error.InnerException.Should().BeOfType<BoomException>();
    }

    [Fact]
    public async Task TheMonitor_CountsTheOutputOfEveryOperatorOfARun()
    {
        string name = $"fused-run-{Guid.NewGuid():N}";
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(Enumerable.Range(0, 100), "numbers"))
            .Where(x => x % 2 == 0).Named("evens")
            .Select(x => x * 3).Named("tripled")
            .Where(x => x % 9 == 0).Named("ninefold")
            .Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)).Named("text")
            .To(Sinks.Action<string>(_ => { }, "nowhere"));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build());

        var run = await MonitoredRuns.NamedAsync(name);
        var snapshot = run.Snapshot();
        long Out(string node) => snapshot.Nodes.Single(n => n.Id == run.Nodes.Single(g => g.Name == node).Id).ElementsOut;
        long In(string node) => snapshot.Nodes.Single(n => n.Id == run.Nodes.Single(g => g.Name == node).Id).ElementsIn;
        (In("evens"), Out("evens")).Should().Be((100L, 50L));
        (In("tripled"), Out("tripled")).Should().Be((50L, 50L));
        (In("ninefold"), Out("ninefold")).Should().Be((50L, 17L));
        (In("text"), Out("text")).Should().Be((17L, 17L));
    }

    [Fact]
    public async Task TheMonitor_CountsTheWhereOfAFusedWhereSelectPair()
    {
        string name = $"fused-pair-{Guid.NewGuid():N}";
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(Enumerable.Range(0, 100), "numbers"))
            .Where(x => x % 4 == 0).Named("quarter")
            .Select(x => x + 1).Named("next")
            .To(Sinks.Action<int>(_ => { }, "nowhere"));

        await new BoundedExecutor().RunAsync(p.Build());

        var run = await MonitoredRuns.NamedAsync(name);
        var snapshot = run.Snapshot();
        snapshot.Nodes.Select(n => (n.ElementsIn, n.ElementsOut)).Should().Equal((100L, 100L), (100L, 25L), (25L, 25L), (25L, 25L));
    }
}
