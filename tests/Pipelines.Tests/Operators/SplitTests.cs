using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary><c>Split</c>: one predicate call per element, two streams, on both executors.</summary>
public class SplitTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private sealed record Order(int Id, decimal Amount);

    private static Task<RunSummary> RunAsync(string executor, PipelineBuilder p) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 7 }).RunAsync(p.Build())
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 7 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(30));

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Split_SendsEveryElementToExactlyOneSide_InOrder_CallingThePredicateOnce(string executor)
    {
        var orders = Enumerable.Range(0, 100).Select(i => new Order(i, i % 7 * 40)).ToArray();
        var bigOnes = new List<Order>();
        var smallOnes = new List<Order>();
        int calls = 0;
        var p = new PipelineBuilder();

        var (big, small) = p.From(Sources.Enumerable(orders)).Split(o => { Interlocked.Increment(ref calls); return o.Amount > 100; });
        big.To(Sinks.Collection(bigOnes));
        small.Select(o => o with { Amount = -o.Amount }).To(Sinks.Collection(smallOnes));
        var summary = await RunAsync(executor, p);

        bigOnes.Should().Equal(orders.Where(o => o.Amount > 100));
        smallOnes.Should().Equal(orders.Where(o => o.Amount <= 100).Select(o => o with { Amount = -o.Amount }));
        calls.Should().Be(orders.Length);
        summary.ResultsWritten.Should().Be(orders.Length);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Split_OnlyTheNotMatchingSideConnected_StillRuns(string executor)
    {
        var rest = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 20))).Split(i => i % 3 == 0).NotMatching.To(Sinks.Collection(rest));

        await RunAsync(executor, p);

        rest.Should().Equal(Enumerable.Range(0, 20).Where(i => i % 3 != 0));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task BothSides_CarryEventTimeAndTheWatermark_SoWindowsOnEachGiveTheSameResults(string executor)
    {
        var events = Enumerable.Range(0, 300).Select(i => Ev.At($"k{i % 3}", i, i)).ToArray();
        var even = new List<WindowResult<string, long>>();
        var odd = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();

        var (evens, odds) = p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay).Split(e => e.Value % 2 == 0);
        evens.KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(even));
        odds.KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(odd));
        await RunAsync(executor, p);

        static List<(string, DateTimeOffset, long)> Final(List<WindowResult<string, long>> results) =>
            [.. results.Where(r => r.Timing == PaneTiming.OnTime).Select(r => (r.Key, r.Window.Start, r.Value)).OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal)];

        static List<(string, DateTimeOffset, long)> Expected(IEnumerable<Ev> input) =>
            [.. input.GroupBy(e => (e.Key, Start: new DateTimeOffset(e.Time.UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero)))
                .Select(g => (g.Key.Key, g.Key.Start, (long)g.Count())).OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal)];

        Final(even).Should().Equal(Expected(events.Where(e => e.Value % 2 == 0)));
        Final(odd).Should().Equal(Expected(events.Where(e => e.Value % 2 != 0)));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ThrowingPredicate_UnderSkip_SendsTheElementNowhere_AndCountsIt(string executor)
    {
        var matching = new List<int>();
        var rest = new List<int>();
        var p = new PipelineBuilder();
        var (yes, no) = p.From(Sources.Enumerable(Enumerable.Range(0, 30))).Split(i => i == 13 ? throw new InvalidOperationException("unlucky") : i < 15);
        yes.OnError(ErrorPolicy.Skip).To(Sinks.Collection(matching));
        no.To(Sinks.Collection(rest));

        var summary = await RunAsync(executor, p);

        matching.Should().Equal(Enumerable.Range(0, 15).Where(i => i != 13));
        rest.Should().Equal(Enumerable.Range(15, 15));
        summary.ElementsSkipped.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ThrowingPredicate_UnderFail_NamesTheSplitAndTheElement(string executor)
    {
        var p = new PipelineBuilder();
        var (yes, no) = p.From(Sources.Enumerable(Enumerable.Range(0, 30))).Split(i => i == 13 ? throw new InvalidOperationException("unlucky") : i < 15);
        yes.To(Sinks.Action<int>(_ => { }));
        no.To(Sinks.Action<int>(_ => { }));

        var act = () => RunAsync(executor, p);

        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Operator.Should().StartWith("Split#");
        failure.Element.Should().Be(13);
        failure.Message.Should().Contain("'13'").And.Contain("unlucky");
    }

    [Fact]
    public void Split_WithoutAPredicate_IsRefused()
    {
        var p = new PipelineBuilder();
        var act = () => p.From(Sources.Enumerable(new[] { 1 })).Split(null!);
        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Split_NeitherSideConnected_IsASourceThatReachesNoSink()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 }, "numbers")).Split(i => i > 0);
        p.From(Sources.Enumerable(new[] { 2 })).To(Sinks.Action<int>(_ => { }));

        var act = () => p.Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("*'numbers' reach no sink*");
    }
}
