using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

/// <summary>Aggregates from functions, several aggregates in one pass, and a decimal average, on both executors.</summary>
public class FunctionAggregateTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static readonly Ev[] Events =
    [
        Ev.At("a", 1, 3), Ev.At("b", 2, 10), Ev.At("a", 3, 5), Ev.At("a", 61, 7), Ev.At("b", 62, -4), Ev.At("b", 63, 9),
    ];

    private static async Task<List<WindowResult<string, TOut>>> RunAsync<TOut>(string executor, Ev[] events, Func<WindowedStream<Ev, string>, DataStream<WindowResult<string, TOut>>> aggregate, WindowAssigner? windows = null)
    {
        var results = new List<WindowResult<string, TOut>>();
        var p = new PipelineBuilder();
        var windowed = p.From(Sources.Enumerable(events))
            .WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(windows ?? Windows.Tumbling(TimeSpan.FromMinutes(1)));
        aggregate(windowed).To(Sinks.Collection(results));
        if (executor == "bounded") await new BoundedExecutor().RunAsync(p.Build());
        else await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(30));
        return [.. results.Where(r => r.Timing == PaneTiming.OnTime).OrderBy(r => r.Window.Start).ThenBy(r => r.Key, StringComparer.Ordinal)];
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Aggregate_FromASeedAnAddAndAResult_WithoutAClass(string executor)
    {
        var results = await RunAsync(executor, Events, w => w.Aggregate((Count: 0, Total: 0), (acc, e) => (acc.Count + 1, acc.Total + e.Value), acc => $"{acc.Count} for {acc.Total}"));

        results.Select(r => (r.Key, r.Value)).Should().Equal(("a", "2 for 8"), ("b", "1 for 10"), ("a", "1 for 7"), ("b", "2 for 5"));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Aggregate_CountSumAndMaxInOnePass(string executor)
    {
        var results = await RunAsync(executor, Events, w => w.Aggregate(Aggregations.Count<Ev>(), Aggregations.Sum((Ev e) => e.Value), Aggregations.Max((Ev e) => e.Value)));

        results.Select(r => (r.Key, r.Value)).Should().Equal(("a", (2L, 8, 5)), ("b", (1L, 10, 10)), ("a", (1L, 7, 7)), ("b", (2L, 5, 9)));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Aggregate_TwoInOnePass(string executor)
    {
        var results = await RunAsync(executor, Events, w => w.Aggregate(Aggregations.Min((Ev e) => e.Value), Aggregations.Average((Ev e) => (decimal)e.Value)));

        results.Select(r => r.Value).Should().Equal((3, 4m), (10, 10m), (7, 7m), (-4, 2.5m));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Average_OfDecimals_StaysDecimal_WithoutRoundingThroughDouble(string executor)
    {
        var results = await RunAsync(executor, [Ev.At("a", 1), Ev.At("a", 2), Ev.At("a", 3)], w => w.Average(e => e.Time.Second switch { 1 => 0.1m, 2 => 0.2m, _ => 0.3m }));

        results.Should().ContainSingle().Which.Value.Should().Be(0.2m);
        ((0.1 + 0.2 + 0.3) / 3).Should().NotBe(0.2, "the same average through double would not be exact");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Aggregate_WithAMerge_WorksOnSessionWindowsThatMerge(string executor)
    {
        // Sessions [0, 15 s) and [20, 35 s) are bridged by the element at 10 s, which arrives last.
        Ev[] events = [Ev.At("a", 0, 1), Ev.At("a", 20, 2), Ev.At("a", 10, 4)];

        var results = await RunAsync(executor, events, w => w.Aggregate(0, (sum, e) => sum + e.Value, (x, y) => x + y, sum => sum), Windows.Session(TimeSpan.FromSeconds(15)));

        results.Should().ContainSingle().Which.Value.Should().Be(7);
    }

    [Fact]
    public void Aggregate_WithoutAMerge_OnSessionWindows_IsRefusedWhenDefined()
    {
        var p = new PipelineBuilder();
        var sessions = p.From(Sources.Enumerable(Events)).WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key).Window(Windows.Session(TimeSpan.FromSeconds(15)));

        var act = () => sessions.Aggregate(0, (sum, e) => sum + e.Value, sum => sum);

        act.Should().Throw<ArgumentException>().WithMessage("*Session windows merge accumulators*merge function*");
    }

    [Fact]
    public void AnAggregateWithoutAMerge_PassedAsAnAggregator_OrInsideACombine_IsRefusedOnSessionWindows_WhenDefined()
    {
        var p = new PipelineBuilder();
        var sessions = p.From(Sources.Enumerable(Events)).WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key).Window(Windows.Session(TimeSpan.FromSeconds(15)));
        var noMerge = Aggregations.Create<Ev, int, int>(0, (sum, e) => sum + e.Value, null, sum => sum);

        var alone = () => sessions.Aggregate(noMerge);
        var combined = () => sessions.Aggregate(Aggregations.Combine(Aggregations.Count<Ev>(), noMerge));
        var merging = () => sessions.Aggregate(Aggregations.Combine(Aggregations.Count<Ev>(), Aggregations.Create<Ev, int, int>(0, (sum, e) => sum + e.Value, (a, b) => a + b, sum => sum)));

        alone.Should().Throw<ArgumentException>().WithParameterName("aggregator").WithMessage("*Session windows merge accumulators*without a merge function*");
        combined.Should().Throw<ArgumentException>().WithParameterName("aggregator").WithMessage("*part of a Combine*");
        merging.Should().NotThrow();
    }

    [Fact]
    public void AnAggregateWithoutAMerge_IsAcceptedOnWindowsThatDoNotMerge()
    {
        var p = new PipelineBuilder();
        var tumbling = p.From(Sources.Enumerable(Events)).WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(15)));

        var act = () => tumbling.Aggregate(Aggregations.Create<Ev, int, int>(0, (sum, e) => sum + e.Value, null, sum => sum));

        act.Should().NotThrow();
    }
}
