using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Joins;

/// <summary>Outer window and interval joins and co-group, on both executors with the same results.</summary>
public class OuterJoinTests
{
    private static readonly WindowAssigner Minute = Windows.Tumbling(TimeSpan.FromMinutes(1));

    private static string Pair(Ev? l, Ev? r) => $"{l?.Value.ToString() ?? "-"}:{r?.Value.ToString() ?? "-"}";

    private static async Task<List<string>> RunAsync(Ev[] left, Ev[] right, Func<KeyedStream<Ev, string>, KeyedStream<Ev, string>, DataStream<string>> join, bool streaming)
    {
        var results = new List<string>();
        var p = new PipelineBuilder();
        var l = p.From(Sources.Enumerable(left, "left")).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(e => e.Key);
        var r = p.From(Sources.Enumerable(right, "right")).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(e => e.Key);
        join(l, r).To(Sinks.Collection(results));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 1 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());
        return results;
    }

    private static readonly Ev[] WindowLeft = [Ev.At("a", 10, 1), Ev.At("b", 20, 2), Ev.At("a", 70, 3)];
    private static readonly Ev[] WindowRight = [Ev.At("a", 15, 10), Ev.At("c", 30, 30), Ev.At("a", 75, 40), Ev.At("a", 80, 50)];

    public static TheoryData<bool> Executors => new() { false, true };

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task WindowJoins_InnerLeftRightFull(bool streaming)
    {
        (await RunAsync(WindowLeft, WindowRight, (l, r) => l.Join(r, Minute, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "3:40", "3:50");
        (await RunAsync(WindowLeft, WindowRight, (l, r) => l.LeftJoin(r, Minute, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "2:-", "3:40", "3:50");
        (await RunAsync(WindowLeft, WindowRight, (l, r) => l.RightJoin(r, Minute, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "-:30", "3:40", "3:50");
        (await RunAsync(WindowLeft, WindowRight, (l, r) => l.FullJoin(r, Minute, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "2:-", "-:30", "3:40", "3:50");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task CoGroup_GetsBothSidesOfEachKeyAndWindow(bool streaming)
    {
        var results = await RunAsync(WindowLeft, WindowRight, (l, r) => l.CoGroup(r, Minute, (key, lefts, rights) =>
            new[] { $"{key}:{string.Join(",", lefts.Select(e => e.Value))}/{string.Join(",", rights.Select(e => e.Value))}" }), streaming);

        results.Should().BeEquivalentTo("a:1/10", "b:2/", "c:/30", "a:3/40,50");
    }

    private static readonly Ev[] IntervalLeft = [Ev.At("a", 10, 1), Ev.At("a", 40, 2)];
    private static readonly Ev[] IntervalRight = [Ev.At("a", 12, 10), Ev.At("a", 14, 11), Ev.At("a", 60, 20)];

    [Fact]
    public async Task AFailingSelector_OnARightElementWithoutPartner_ReportsThatElement_AlsoWhenTheLeftIsAValueType()
    {
        // The element reported was the left side whenever it was not null, and an int's default (0) is not null.
        var dead = new List<DeadLetter>();
        var results = new List<string>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        var l = p.From(Sources.Enumerable(new[] { 1 }, "left")).WithEventTime(_ => Ev.T0, Watermarks.Monotonic()).KeyBy(_ => "k");
        var r = p.From(Sources.Enumerable(new[] { "late reply" }, "right")).WithEventTime(_ => Ev.T0.AddMinutes(5), Watermarks.Monotonic()).KeyBy(_ => "k");
        l.FullIntervalJoin(r, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1), (left, right) => right is null ? $"alone {left}" : throw new InvalidOperationException("no partner"))
            .OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());

        results.Should().Equal("alone 1");
        dead.Should().ContainSingle().Which.Element.Should().Be("late reply");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task IntervalJoins_InnerLeftRightFull(bool streaming)
    {
        var lower = TimeSpan.FromSeconds(-5);
        var upper = TimeSpan.FromSeconds(5);
        (await RunAsync(IntervalLeft, IntervalRight, (l, r) => l.IntervalJoin(r, lower, upper, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "1:11");
        (await RunAsync(IntervalLeft, IntervalRight, (l, r) => l.LeftIntervalJoin(r, lower, upper, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "1:11", "2:-");
        (await RunAsync(IntervalLeft, IntervalRight, (l, r) => l.RightIntervalJoin(r, lower, upper, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "1:11", "-:20");
        (await RunAsync(IntervalLeft, IntervalRight, (l, r) => l.FullIntervalJoin(r, lower, upper, Pair), streaming))
            .Should().BeEquivalentTo("1:10", "1:11", "2:-", "-:20");
    }

    [Fact]
    public async Task LeftIntervalJoin_EmitsTheUnmatchedElementAtItsOwnTime_WhenItCanNoLongerMatch()
    {
        var results = new List<(string Pair, DateTimeOffset Time)>();
        var p = new PipelineBuilder();
        var l = p.Events("left", IntervalLeft).KeyBy(e => e.Key);
        var r = p.Events("right", IntervalRight).KeyBy(e => e.Key);
        l.LeftIntervalJoin(r, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(5), (a, b) => (Pair(a, b), a.Time))
            .To(Sinks.Collection(results));

        await new BoundedExecutor().RunAsync(p.Build());

        results.Should().Contain(("2:-", Ev.T0.AddSeconds(40)));
    }

    [Fact]
    public async Task CoGroup_FailingFunction_FollowsThePolicy_ForThatGroupOnly()
    {
        var results = new List<string>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        var l = p.Events("left", WindowLeft).KeyBy(e => e.Key);
        var r = p.Events("right", WindowRight).KeyBy(e => e.Key);
        l.CoGroup(r, Minute, (key, lefts, rights) => key == "b" ? throw new InvalidOperationException("b") : new[] { key })
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        results.Should().BeEquivalentTo("a", "c", "a");
        summary.ElementsSkipped.Should().Be(1);
    }

    /// <summary>
    /// An outer interval join's unpaired element is emitted at its own time once the watermark has passed it by the
    /// upper bound: the join holds back the watermark it passes on by that much, so a window after the join still
    /// counts the element, in a streaming run as in a bounded one. Here the watermark passes b's minute (70 s)
    /// before b (at 50 s) can be known unpaired (80 s).
    /// </summary>
    [Theory]
    [MemberData(nameof(Executors))]
    public async Task LeftIntervalJoin_ThenAWindow_CountsTheUnpairedElements_InTheirWindow(bool streaming)
    {
        var t0 = Ev.T0;
        var script = new Pipelines.Testing.TestStream<(string Side, string Key)>()
            .Add(t0, ("L", "a"), ("R", "a"))
            .Add(t0.AddSeconds(50), ("L", "b"))
            .AdvanceWatermarkTo(t0.AddSeconds(70))
            .Add(t0.AddSeconds(75), ("L", "a"), ("R", "a"))
            .AdvanceWatermarkTo(t0.AddSeconds(200));
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        var events = p.From(script);
        var left = events.Where(e => e.Side == "L").KeyBy(e => e.Key);
        var right = events.Where(e => e.Side == "R").KeyBy(e => e.Key);
        left.LeftIntervalJoin(right, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(30), (l, r) => l.Key)
            .KeyBy(key => key).Window(Minute).Count()
            .To(Sinks.Collection(results));

        var summary = streaming
            ? await new StreamingExecutor(new StreamingOptions { Parallelism = 2, TimeProvider = script.Clock }).RunAsync(p.Build())
            : await new BoundedExecutor().RunAsync(p.Build());

        results.Select(r => (r.Key, r.Window.Start, r.Value)).Should().BeEquivalentTo(new[]
        {
            ("a", t0, 1L),
            ("b", t0, 1L),
            ("a", t0.AddMinutes(1), 1L),
        });
        summary.LateElementsDropped.Should().Be(0);
    }
}
