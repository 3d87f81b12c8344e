using CsCheck;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

public class SessionWindowTests
{
    private static readonly WindowAssigner Gap10s = Windows.Session(TimeSpan.FromSeconds(10));

    private static Task<List<WindowResult<string, int>>> SumAsync(WindowAssigner windows, params Ev[] events) =>
        BoundedRun.CollectAsync(p => p.Events(events).KeyBy(e => e.Key).Window(windows).Sum(e => e.Value));

    [Fact]
    public async Task Session_ElementsCloserThanTheGap_FormOneSession_FromFirstElementToLastPlusGap()
    {
        var results = await SumAsync(Gap10s, Ev.At("a", 0, 1), Ev.At("a", 5, 2), Ev.At("a", 14, 4));

        results.Flat().Should().Equal(("a", Ev.T0, Ev.T0.AddSeconds(24), 7));
    }

    [Fact]
    public async Task Session_StepEqualToTheGap_StartsANewSession()
    {
        var results = await SumAsync(Gap10s, Ev.At("a", 0, 1), Ev.At("a", 10, 2));

        results.Flat().Should().Equal(
            ("a", Ev.T0, Ev.T0.AddSeconds(10), 1),
            ("a", Ev.T0.AddSeconds(10), Ev.T0.AddSeconds(20), 2));
    }

    [Fact]
    public async Task Session_StepOneTickShorterThanTheGap_StaysInTheSession()
    {
        var results = await SumAsync(Gap10s, Ev.At("a", 0, 1), new Ev("a", Ev.T0.AddSeconds(10).AddTicks(-1), 2));

        results.Flat().Should().Equal(("a", Ev.T0, Ev.T0.AddSeconds(20).AddTicks(-1), 3));
    }

    [Fact]
    public async Task Session_ElementBridgingTwoSessions_MergesThemIntoOne()
    {
        // [0, 10) and [15, 25) are separate until the element at 7 opens [7, 17), which overlaps both.
        var results = await SumAsync(Gap10s, Ev.At("a", 0, 1), Ev.At("a", 15, 10), Ev.At("a", 7, 100));

        results.Flat().Should().Equal(("a", Ev.T0, Ev.T0.AddSeconds(25), 111));
    }

    [Fact]
    public async Task Session_WithoutTheBridge_TheSameElementsStayTwoSessions()
    {
        var results = await SumAsync(Gap10s, Ev.At("a", 0, 1), Ev.At("a", 15, 10));

        results.Flat().Should().Equal(
            ("a", Ev.T0, Ev.T0.AddSeconds(10), 1),
            ("a", Ev.T0.AddSeconds(15), Ev.T0.AddSeconds(25), 10));
    }

    [Fact]
    public async Task Session_SuccessiveBridges_MergeThreeSessionsIntoOne()
    {
        // Sessions [0,10), [15,25), [30,40); the element at 7 joins the first two, the one at 22 joins the result with the third.
        var results = await SumAsync(
            Gap10s,
            Ev.At("a", 0, 1), Ev.At("a", 15, 2), Ev.At("a", 30, 4), Ev.At("a", 7, 8), Ev.At("a", 22, 16));

        results.Flat().Should().Equal(("a", Ev.T0, Ev.T0.AddSeconds(40), 31));
    }

    [Fact]
    public async Task Session_MergedSession_KeepsAccumulatorsOfBothSides_TopK()
    {
        // [0, 11) and [20, 31) merge through the element at 10.5, which opens [10.5, 20.5).
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 0, 5), Ev.At("a", 1, 1), Ev.At("a", 20, 9), Ev.At("a", 21, 3), Ev.At("a", 10.5, 4))
            .KeyBy(e => e.Key)
            .Window(Gap10s)
            .Aggregate(Aggregations.TopK(3, (Ev e) => e.Value)));

        results.Should().ContainSingle().Which.Value.Select(e => e.Value).Should().Equal(9, 5, 4);
    }

    [Fact]
    public async Task Session_KeysHaveIndependentSessions()
    {
        // b's element at 7 would bridge a's two sessions if sessions were shared between keys.
        var results = await SumAsync(Gap10s, Ev.At("a", 0, 1), Ev.At("a", 15, 2), Ev.At("b", 7, 4));

        results.Flat().Should().Equal(
            ("a", Ev.T0, Ev.T0.AddSeconds(10), 1),
            ("b", Ev.T0.AddSeconds(7), Ev.T0.AddSeconds(17), 4),
            ("a", Ev.T0.AddSeconds(15), Ev.T0.AddSeconds(25), 2));
    }

    [Fact]
    public async Task Session_OutOfOrderArrival_SameSessionsAsSortedInput()
    {
        var events = new[] { Ev.At("a", 30, 1), Ev.At("a", 3, 2), Ev.At("a", 25, 4), Ev.At("a", 0, 8), Ev.At("a", 12, 16) };

        var shuffled = await SumAsync(Gap10s, events);
        var sorted = await SumAsync(Gap10s, [.. events.OrderBy(e => e.Time)]);

        shuffled.Flat().Should().Equal(sorted.Flat());
        sorted.Flat().Should().Equal(
            ("a", Ev.T0, Ev.T0.AddSeconds(22), 26),
            ("a", Ev.T0.AddSeconds(25), Ev.T0.AddSeconds(40), 5));
    }

    [Fact]
    public async Task Session_AnyArrivalOrder_MatchesSessionsFromSortedChainsShorterThanTheGap()
    {
        var gen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 120], Gen.Int[1, 5]).Array[1, 30];

        await Gen.Select(gen, Gen.Int[1, 15]).SampleAsync(async (raw, gapSeconds) =>
        {
            var events = raw.Select(x => Ev.At("k" + x.Item1, x.Item2, x.Item3)).ToArray();

            var results = await SumAsync(Windows.Session(TimeSpan.FromSeconds(gapSeconds)), events);

            // Independent expectation: per key, sort by time and cut wherever the step is at least the gap.
            var expected = new List<(string, DateTimeOffset, DateTimeOffset, int)>();
            foreach (var key in events.GroupBy(e => e.Key))
            {
                var sorted = key.OrderBy(e => e.Time).ToList();
                int from = 0;
                for (int i = 1; i <= sorted.Count; i++)
                {
                    if (i < sorted.Count && (sorted[i].Time - sorted[i - 1].Time).TotalSeconds < gapSeconds) continue;
                    var part = sorted.GetRange(from, i - from);
                    expected.Add((key.Key, part[0].Time, part[^1].Time.AddSeconds(gapSeconds), part.Sum(e => e.Value)));
                    from = i;
                }
            }

            results.Flat().Should().BeEquivalentTo(expected);
            results.Select(r => r.Window.End).Should().BeInAscendingOrder();
        }, iter: 200, threads: 1);
    }
}
