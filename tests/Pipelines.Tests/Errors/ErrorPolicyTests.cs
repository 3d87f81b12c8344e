using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Errors;

/// <summary>ErrorPolicy.Skip and ErrorPolicy.DeadLetter keep the run going; per-operator OnError overrides the pipeline's policy.</summary>
public class ErrorPolicyTests
{
    private sealed class BoomException(string message) : Exception(message);

    private static readonly int[] Input = [1, 2, 3, 4, 5, 6, 7];

    private static bool IsBad(int x) => x % 3 == 0;

    private static int ThrowOnBad(int x) => IsBad(x) ? throw new BoomException($"bad {x}") : x;

    private static async Task<(List<T> Results, List<DeadLetter> Dead, RunSummary Summary)> RunAsync<T>(
        Func<PipelineBuilder, DataStream<T>> define, ErrorPolicy? pipelinePolicy = null, bool deadLetterSink = false)
    {
        var results = new List<T>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder();
        if (pipelinePolicy is { } policy) p.OnError(policy);
        if (deadLetterSink) p.WithDeadLetterSink(Sinks.Collection(dead));
        define(p).To(Sinks.Collection(results));
        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 3 }).RunAsync(p.Build());
        return (results, dead, summary);
    }

    [Fact]
    public async Task Skip_ThrowingSelect_DropsOnlyTheFailingElements_AndCountsThem()
    {
        var (results, _, summary) = await RunAsync(p => p.From(Sources.Enumerable(Input)).Select(ThrowOnBad), ErrorPolicy.Skip);

        results.Should().Equal(Input.Where(x => !IsBad(x)));
        summary.ElementsSkipped.Should().Be(Input.Count(IsBad));
        summary.ElementsDeadLettered.Should().Be(0);
        summary.ElementsRead.Should().Be(Input.Length);
    }

    [Fact]
    public async Task Skip_ThrowingWhere_DropsTheFailingElements_AndCountsThem()
    {
        var (results, _, summary) = await RunAsync(p => p.From(Sources.Enumerable(Input)).Where(x => ThrowOnBad(x) % 2 == 1), ErrorPolicy.Skip);

        results.Should().Equal(1, 5, 7);
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task Skip_ThrowingWhereThenSelect_BothFailuresAreSkipped()
    {
        var (results, _, summary) = await RunAsync(
            p => p.From(Sources.Enumerable(Input)).Where(x => x != 1 || ThrowOnBad(3) > 0).Select(ThrowOnBad),
            ErrorPolicy.Skip);

        results.Should().Equal(2, 4, 5, 7);
        summary.ElementsSkipped.Should().Be(3);
    }

    [Fact]
    public async Task Skip_ThrowingSelectMany_SkipsTheElement()
    {
        var (results, _, summary) = await RunAsync(
            p => p.From(Sources.Enumerable(Input)).SelectMany(x => IsBad(x) ? throw new BoomException("no") : new[] { x, -x }),
            ErrorPolicy.Skip);

        results.Should().Equal(Input.Where(x => !IsBad(x)).SelectMany(x => new[] { x, -x }));
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task Skip_SelectManyThrowingPartWayThroughItsSequence_EmitsNoneOfThatElementsItems()
    {
        static IEnumerable<int> Items(int x)
        {
            yield return x * 10;
            yield return x * 10 + 1;
            if (IsBad(x)) throw new BoomException("half way");
            yield return x * 10 + 2;
        }

        var (results, _, summary) = await RunAsync(p => p.From(Sources.Enumerable(Input)).SelectMany(Items), ErrorPolicy.Skip);

        results.Should().Equal(Input.Where(x => !IsBad(x)).SelectMany(Items));
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task DeadLetter_QuerySyntaxResultSelectorThrowingForOneItem_DeadLettersTheElementWithoutItsOtherItems()
    {
        var (results, dead, _) = await RunAsync(
            p => from x in p.From(Sources.Enumerable(new[] { 1, 2 }))
                 from i in Enumerable.Range(0, 3)
                 select x == 2 && i == 2 ? throw new BoomException("last item") : (x, i),
            ErrorPolicy.DeadLetter,
            deadLetterSink: true);

        results.Should().Equal((1, 0), (1, 1), (1, 2));
        dead.Select(d => d.Element).Should().Equal(2);
    }

    [Fact]
    public async Task Skip_ThrowingKeySelector_LeavesTheElementOutOfItsWindow()
    {
        var (results, _, summary) = await RunAsync(
            p => p.From(Sources.Enumerable(Input)).KeyBy(x => ThrowOnBad(x) % 2).Window(Windows.Global()).Sum(x => x),
            ErrorPolicy.Skip);

        results.Select(r => (r.Key, r.Value)).Should().Equal((1, 1 + 5 + 7), (0, 2 + 4));
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task Skip_ThrowingSinkAction_SkipsThatElement_AndWritesTheRestOfTheBatch()
    {
        var written = new List<int>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>(x => written.Add(ThrowOnBad(x))));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(p.Build());

        written.Should().Equal(Input.Where(x => !IsBad(x)));
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task Skip_ThrowingAsyncSinkAction_SkipsThatElement_AndWritesTheRest()
    {
        var written = new List<int>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>(async (x, ct) =>
        {
            await Task.Yield();
            written.Add(ThrowOnBad(x));
        }));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(p.Build());

        written.Should().Equal(Input.Where(x => !IsBad(x)));
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task Skip_AggregatorFailingOnTheOnlyElementOfAWindow_ProducesNoResultForThatWindow()
    {
        // The element at 70 s is the only one of the second minute; once skipped, that window has no elements at all.
        var events = new[] { Ev.At("a", 1, 1), Ev.At("a", 2, 2), Ev.At("a", 70, -1) };

        var (sums, _, sumSummary) = await RunAsync(
            p => p.Events(events).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Sum(e => e.Value < 0 ? throw new BoomException("neg") : e.Value),
            ErrorPolicy.Skip);
        var (maxima, _, maxSummary) = await RunAsync(
            p => p.Events(events).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Max(e => e.Value < 0 ? throw new BoomException("neg") : e.Value),
            ErrorPolicy.Skip);

        sums.Flat().Should().Equal(("a", Ev.T0, Ev.T0.AddMinutes(1), 3));
        maxima.Flat().Should().Equal(("a", Ev.T0, Ev.T0.AddMinutes(1), 2));
        sumSummary.ElementsSkipped.Should().Be(1);
        maxSummary.ElementsSkipped.Should().Be(1);
    }

    [Fact]
    public async Task Skip_SkippedElementAlone_OpensNoSession_AndBridgesNothing()
    {
        // Sessions [0,10) and [15,25); the element at 7 would bridge them, and the one at 100 would open its own session.
        var events = new[] { Ev.At("a", 0, 1), Ev.At("a", 15, 2), Ev.At("a", 7, -1), Ev.At("a", 100, -2) };

        var (results, _, summary) = await RunAsync(
            p => p.Events(events).KeyBy(e => e.Key).Window(Windows.Session(TimeSpan.FromSeconds(10))).Min(e => e.Value < 0 ? throw new BoomException("neg") : e.Value),
            ErrorPolicy.Skip);

        results.Flat().Should().Equal(
            ("a", Ev.T0, Ev.T0.AddSeconds(10), 1),
            ("a", Ev.T0.AddSeconds(15), Ev.T0.AddSeconds(25), 2));
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task DeadLetter_SendsOperatorElementTimestampAndException_ToTheDeadLetterSink()
    {
        var events = new[] { Ev.At("a", 1, 1), Ev.At("b", 2, 3), Ev.At("c", 3, 4), Ev.At("d", 4, 6) };

        var (results, dead, summary) = await RunAsync(
            p => p.Events(events).Select(e => ThrowOnBad(e.Value)).Named("check"),
            ErrorPolicy.DeadLetter,
            deadLetterSink: true);

        results.Should().Equal(1, 4);
        dead.Select(d => (d.Operator, d.Element, d.Timestamp)).Should().Equal(
            ("check", (object)events[1], (DateTimeOffset?)events[1].Time),
            ("check", events[3], events[3].Time));
        dead.Select(d => d.Exception).Should().AllBeOfType<BoomException>().And.Satisfy(
            e => e.Message == "bad 3",
            e => e.Message == "bad 6");
        dead[0].ToString().Should().Be("check: 'b@2s=3' -> BoomException: bad 3");
        summary.ElementsDeadLettered.Should().Be(2);
        summary.ElementsSkipped.Should().Be(0);
    }

    [Fact]
    public async Task DeadLetter_ElementWithoutEventTime_HasNoTimestamp()
    {
        var (_, dead, _) = await RunAsync(p => p.From(Sources.Enumerable(Input)).Select(ThrowOnBad), ErrorPolicy.DeadLetter, deadLetterSink: true);

        dead.Select(d => (d.Element, d.Timestamp)).Should().Equal(((object?)3, (DateTimeOffset?)null), (6, null));
    }

    [Fact]
    public async Task DeadLetter_FromSeveralOperators_EachNamesItsOwnOperator()
    {
        var (results, dead, summary) = await RunAsync(
            p => p.From(Sources.Enumerable(Input))
                .Where(x => x != 7 || ThrowOnBad(3) > 0).Named("filter")
                .Select(ThrowOnBad).Named("map")
                .KeyBy(x => x % 2).Window(Windows.Global()).Sum(x => x == 5 ? throw new BoomException("five") : x).Named("total"),
            ErrorPolicy.DeadLetter,
            deadLetterSink: true);

        results.Select(r => (r.Key, r.Value)).Should().Equal((1, 1), (0, 2 + 4));
        dead.Select(d => (d.Operator, d.Element)).Should().BeEquivalentTo(new (string, object?)[]
        {
            ("filter+map", 3), ("total", 5), ("filter+map", 6), ("filter+map", 7),
        });
        summary.ElementsDeadLettered.Should().Be(4);
    }

    [Fact]
    public async Task DeadLetter_FromAThrowingSink_IsSentWithTheSinksName()
    {
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>(x => ThrowOnBad(x), "printer"));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        dead.Select(d => d.Element).Should().Equal(3, 6);
        dead.Should().OnlyContain(d => d.Operator.EndsWith("(printer)", StringComparison.Ordinal));
        summary.ElementsDeadLettered.Should().Be(2);
    }

    [Fact]
    public async Task DeadLetter_DeadLetterSinkThrowing_FailsTheRun_NamingTheDeadLetterSink()
    {
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter)
            .WithDeadLetterSink(Sinks.Action<DeadLetter>(_ => throw new BoomException("full"), "dlq"));
        p.From(Sources.Enumerable(Input)).Select(ThrowOnBad).To(Sinks.Collection(new List<int>()));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().StartWith("Dead-letter sink 'dlq' failed");
    }

    [Fact]
    public async Task OnError_OnAnOperator_OverridesTheDefaultFailPolicy()
    {
        var (results, _, summary) = await RunAsync(p => p.From(Sources.Enumerable(Input)).Select(ThrowOnBad).OnError(ErrorPolicy.Skip));

        results.Should().Equal(Input.Where(x => !IsBad(x)));
        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task OnError_FailOnAnOperator_OverridesAPipelineSkipPolicy()
    {
        var act = () => RunAsync(
            p => p.From(Sources.Enumerable(Input)).Select(ThrowOnBad).Named("strict").OnError(ErrorPolicy.Fail),
            ErrorPolicy.Skip);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().StartWith("Operator 'strict' failed on element '3'");
    }

    [Fact]
    public async Task Skip_UserAggregatorResultThrowing_DropsThatPane_AndCountsIt()
    {
        var (results, _, summary) = await RunAsync(
            p => p.From(Sources.Enumerable(Input)).KeyBy(x => x % 2).Window(Windows.Global()).Aggregate(new SumOverTwelveFails()),
            ErrorPolicy.Skip);

        results.Select(r => (r.Key, r.Value)).Should().Equal((0, 12));
        summary.ElementsSkipped.Should().Be(1);
    }

    [Fact]
    public async Task DeadLetter_UserAggregatorResultThrowing_SendsTheKeyAndWindow()
    {
        var (results, dead, _) = await RunAsync(
            p => p.From(Sources.Enumerable(Input)).KeyBy(x => x % 2).Window(Windows.Global()).Aggregate(new SumOverTwelveFails()).Named("sums"),
            ErrorPolicy.DeadLetter,
            deadLetterSink: true);

        results.Select(r => r.Key).Should().Equal(0);
        var letter = dead.Should().ContainSingle().Subject;
        letter.Operator.Should().Be("sums");
        var (key, window) = letter.Element.Should().BeOfType<(int, Window)>().Subject;
        key.Should().Be(1);
        (window.Start, window.End).Should().Be((DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
        letter.Exception.Should().BeOfType<BoomException>();
    }

    [Fact]
    public async Task OnError_WhereSkipsThenSelectFails_EachKeepsItsOwnPolicy()
    {
        // A Where followed by a Select may run as one fused loop; their different policies must still apply separately.
        var (results, _, summary) = await RunAsync(p => p.From(Sources.Enumerable(Input))
            .Where(x => ThrowOnBad(x) > 0).OnError(ErrorPolicy.Skip)
            .Select(x => x * 10));

        results.Should().Equal(10, 20, 40, 50, 70);
        summary.ElementsSkipped.Should().Be(2);

        var act = () => RunAsync(p => p.From(Sources.Enumerable(Input))
            .Where(x => ThrowOnBad(x) > 0)
            .Select(x => x * 10).OnError(ErrorPolicy.Skip));

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("Where#2").And.Contain("element '3'");
    }

    [Fact]
    public async Task OnError_OnlyAffectsItsOwnOperator()
    {
        // Select#2 skips, the following Select#3 keeps the pipeline's Fail policy.
        var act = () => RunAsync(p => p.From(Sources.Enumerable(Input))
            .Select(ThrowOnBad).OnError(ErrorPolicy.Skip)
            .Select(x => x == 7 ? throw new BoomException("seven") : x));

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().MatchRegex("^Operator 'Select#3' failed on element '7'");
    }

    [Fact]
    public async Task OnError_DeadLetterOnOneOperator_OthersKeepFailing()
    {
        var (results, dead, summary) = await RunAsync(
            p => p.From(Sources.Enumerable(Input)).Select(ThrowOnBad).Named("lenient").OnError(ErrorPolicy.DeadLetter),
            deadLetterSink: true);

        results.Should().Equal(1, 2, 4, 5, 7);
        dead.Select(d => d.Operator).Should().Equal("lenient", "lenient");
        summary.ElementsDeadLettered.Should().Be(2);
    }

    [Fact]
    public async Task OnError_SkipOnAWindowResultStream_AppliesToTheWindowOperator()
    {
        var (results, _, summary) = await RunAsync(p => p
            .From(Sources.Enumerable(Input))
            .KeyBy(x => 0)
            .Window(Windows.Global())
            .Sum(ThrowOnBad)
            .OnError(ErrorPolicy.Skip));

        results.Should().ContainSingle().Which.Value.Should().Be(1 + 2 + 4 + 5 + 7);
        summary.ElementsSkipped.Should().Be(2);
    }

    /// <summary>Sums, but has no result for a total over 12.</summary>
    private sealed class SumOverTwelveFails : IAggregator<int, int, int>
    {
        public int CreateAccumulator() => 0;

        public int Add(int accumulator, int value) => accumulator + value;

        public int Merge(int left, int right) => left + right;

        public int GetResult(int accumulator) => accumulator > 12 ? throw new BoomException("too big") : accumulator;
    }
}
