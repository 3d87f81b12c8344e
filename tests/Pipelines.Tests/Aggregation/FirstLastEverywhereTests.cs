using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

/// <summary>
/// First and Last keep the element with the earliest or latest event time: they work in every window they can be
/// given — count windows too, and combined with other aggregates — on both executors.
/// </summary>
public class FirstLastEverywhereTests
{
    public static TheoryData<string> Executors => BothExecutors.Names;

    /// <summary>Key "a": values 1..6 at times 6, 5, 4, 3, 2, 1 s (arrival order is the reverse of event-time order).</summary>
    private static readonly Ev[] Input = [.. Enumerable.Range(1, 6).Select(i => Ev.At("a", 7 - i, i))];

    private static DataStream<Ev> Timed(PipelineBuilder p) => p.From(Sources.Enumerable(Input)).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)));

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task InTumblingCountWindows_FirstIsTheEarliestByEventTime(string executor)
    {
        var results = await BothExecutors.CollectAsync(executor, 4, p => Timed(p).KeyBy(e => e.Key).Window(Windows.Count(3)).Aggregate(Aggregations.First<Ev>()));

        results.Select(r => r.Value.Value).Should().Equal(3, 6);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task InSlidingCountWindows_LastIsTheLatestByEventTime(string executor)
    {
        var results = await BothExecutors.CollectAsync(executor, 4, p => Timed(p).KeyBy(e => e.Key).Window(Windows.Count(4, 2)).Aggregate(Aggregations.Last<Ev>()));

        results.Select(r => r.Value.Value).Should().Equal(1, 1, 3);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task CombinedWithOtherAggregates_FirstAndLastGetTheirEventTimes(string executor)
    {
        var results = await BothExecutors.CollectAsync(executor, 4, p => Timed(p).KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Aggregate(Aggregations.First<Ev>(), Aggregations.Count<Ev>(), Aggregations.Last<Ev>()));

        results.Select(r => (r.Value.Item1.Value, r.Value.Item2, r.Value.Item3.Value)).Should().Equal((6, 6L, 1));
    }

    [Fact]
    public void OnAStreamWithoutEventTime_FirstAndLastAreRefused_SayingWhatToDo()
    {
        var p = new PipelineBuilder();
        var keyed = p.From(Sources.Enumerable(Input)).KeyBy(e => e.Key);

        // Every element would have the same time: Last would give the first to arrive.
        keyed.Invoking(k => k.Window(Windows.Count(3)).Aggregate(Aggregations.Last<Ev>())).Should().Throw<InvalidOperationException>().WithMessage("*event time*WithEventTime*");
        keyed.Invoking(k => k.Window(Windows.Global()).Aggregate(Aggregations.Count<Ev>(), Aggregations.First<Ev>())).Should().Throw<InvalidOperationException>().WithMessage("*event time*");
        keyed.Invoking(k => k.Window(Windows.Count(3)).Aggregate(Aggregations.Count<Ev>(), Aggregations.Max<Ev, int>(e => e.Value))).Should().NotThrow("no part picks by event time");
    }
}
