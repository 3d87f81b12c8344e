using CsCheck;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Joins;

public class IntervalJoinTests
{
    /// <summary>Joins left and right; the bounded executor reads the source added first first, so <paramref name="rightFirst"/> decides which side's arrival completes each pair.</summary>
    private static Task<List<string>> JoinAsync(TimeSpan lower, TimeSpan upper, Ev[] left, Ev[] right, bool rightFirst = false) =>
        BoundedRun.CollectAsync(p =>
        {
            var r0 = rightFirst ? p.Events("right", right) : null;
            var l = p.Events("left", left).KeyBy(e => e.Key);
            var r = (r0 ?? p.Events("right", right)).KeyBy(e => e.Key);
            return l.IntervalJoin(r, lower, upper, (a, b) => $"{a.Value}-{b.Value}");
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IntervalJoin_BothBoundsAreInclusive(bool rightFirst)
    {
        var left = new[] { Ev.At("a", 100, 0) };
        var t = left[0].Time;
        var right = new[]
        {
            new Ev("a", t.AddSeconds(-5).AddTicks(-1), 1), // just before the lower bound
            new Ev("a", t.AddSeconds(-5), 2),              // exactly the lower bound
            new Ev("a", t.AddSeconds(10), 3),              // exactly the upper bound
            new Ev("a", t.AddSeconds(10).AddTicks(1), 4),  // just after the upper bound
        };

        var results = await JoinAsync(TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(10), left, right, rightFirst);

        results.Should().Equal("0-2", "0-3");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IntervalJoin_NegativeLowerBound_PairsRightElementsBeforeTheLeftOne(bool rightFirst)
    {
        var results = await JoinAsync(
            TimeSpan.FromMinutes(-2), TimeSpan.Zero,
            [Ev.At("a", 600, 0)],
            [Ev.At("a", 470, 1), Ev.At("a", 480, 2), Ev.At("a", 540, 3), Ev.At("a", 600, 4), Ev.At("a", 601, 5)],
            rightFirst);

        results.Should().Equal("0-2", "0-3", "0-4");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IntervalJoin_BothBoundsNegative_PairsOnlyEarlierRightElements(bool rightFirst)
    {
        var results = await JoinAsync(
            TimeSpan.FromSeconds(-10), TimeSpan.FromSeconds(-5),
            [Ev.At("a", 100, 0)],
            [Ev.At("a", 89, 1), Ev.At("a", 90, 2), Ev.At("a", 95, 3), Ev.At("a", 96, 4), Ev.At("a", 100, 5)],
            rightFirst);

        results.Should().Equal("0-2", "0-3");
    }

    [Fact]
    public async Task IntervalJoin_ZeroWidthInterval_PairsOnlyEqualTimes()
    {
        var results = await JoinAsync(
            TimeSpan.Zero, TimeSpan.Zero,
            [Ev.At("a", 10, 0), Ev.At("a", 20, 1)],
            [Ev.At("a", 10, 2), new Ev("a", Ev.T0.AddSeconds(20).AddTicks(1), 3)]);

        results.Should().Equal("0-2");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IntervalJoin_UnlimitedBounds_PairsEveryElementsWithTheSameKey(bool rightFirst)
    {
        var results = await JoinAsync(
            TimeSpan.MinValue, TimeSpan.MaxValue,
            [Ev.At("a", 0, 0), Ev.At("b", 1e9, 1)],
            [Ev.At("a", -1e9, 2), Ev.At("a", 1e9, 3), Ev.At("b", -1e9, 4)],
            rightFirst);

        results.Should().BeEquivalentTo(["0-2", "0-3", "1-4"]);
    }

    [Fact]
    public async Task IntervalJoin_OnlySameKeysPair()
    {
        var results = await JoinAsync(
            TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1),
            [Ev.At("a", 10, 0), Ev.At("b", 10, 1)],
            [Ev.At("b", 10, 2), Ev.At("c", 10, 3)]);

        results.Should().Equal("1-2");
    }

    [Fact]
    public async Task IntervalJoin_LeftSourceReadFirst_PairsAppearAsEachRightElementIsRead()
    {
        var results = await JoinAsync(
            TimeSpan.FromSeconds(-10), TimeSpan.FromSeconds(10),
            [Ev.At("a", 1, 1), Ev.At("a", 2, 2)],
            [Ev.At("a", 3, 3), Ev.At("a", 4, 4)]);

        results.Should().Equal("1-3", "2-3", "1-4", "2-4");
    }

    [Fact]
    public async Task IntervalJoin_RightSourceReadFirst_PairsAppearAsEachLeftElementIsRead()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var r = p.Events("right", [Ev.At("a", 3, 3), Ev.At("a", 4, 4)]).KeyBy(e => e.Key);
            var l = p.Events("left", [Ev.At("a", 1, 1), Ev.At("a", 2, 2)]).KeyBy(e => e.Key);
            return l.IntervalJoin(r, TimeSpan.FromSeconds(-10), TimeSpan.FromSeconds(10), (a, b) => $"{a.Value}-{b.Value}");
        });

        results.Should().Equal("1-3", "1-4", "2-3", "2-4");
    }

    [Fact]
    public async Task IntervalJoin_ResultEventTime_IsTheLaterOfThePair()
    {
        // Left at 00:50, right at 01:05: the result carries 01:05 and lands in the second minute; the other way round too.
        var results = await BoundedRun.CollectAsync(p =>
        {
            var l = p.Events("left", [Ev.At("a", 50, 1), Ev.At("b", 65, 2)]).KeyBy(e => e.Key);
            var r = p.Events("right", [Ev.At("a", 65, 3), Ev.At("b", 50, 4)]).KeyBy(e => e.Key);
            return l.IntervalJoin(r, TimeSpan.FromMinutes(-1), TimeSpan.FromMinutes(1), (a, b) => a.Key)
                .KeyBy(k => k)
                .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
                .Count();
        });

        results.Flat().Should().Equal(
            ("a", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 1L),
            ("b", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 1L));
    }

    [Fact]
    public async Task IntervalJoin_SelfJoin_PairsElementsOfOneStream_IncludingEachWithItself()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var keyed = p.Events(Ev.At("a", 0, 1), Ev.At("a", 5, 2), Ev.At("a", 30, 3)).KeyBy(e => e.Key);
            return keyed.IntervalJoin(keyed, TimeSpan.Zero, TimeSpan.FromSeconds(10), (a, b) => $"{a.Value}-{b.Value}");
        });

        results.Should().BeEquivalentTo(["1-1", "1-2", "2-2", "3-3"]);
    }

    [Fact]
    public async Task IntervalJoin_AnyInputAndBounds_EqualsNestedLoops()
    {
        var side = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 100], Gen.Int[0, 99]).Array[0, 15];

        await Gen.Select(side, side, Gen.Int[-30, 30], Gen.Int[0, 30], Gen.Bool).SampleAsync(async (rawLeft, rawRight, lowerSeconds, width, rightFirst) =>
        {
            var left = rawLeft.Select(x => Ev.At("k" + x.Item1, x.Item2, x.Item3)).ToArray();
            var right = rawRight.Select(x => Ev.At("k" + x.Item1, x.Item2, x.Item3)).ToArray();
            var lower = TimeSpan.FromSeconds(lowerSeconds);
            var upper = lower + TimeSpan.FromSeconds(width);

            var results = await JoinAsync(lower, upper, left, right, rightFirst);

            var expected = from l in left
                           from r in right
                           where l.Key == r.Key && l.Time + lower <= r.Time && r.Time <= l.Time + upper
                           select $"{l.Value}-{r.Value}";
            results.Should().BeEquivalentTo(expected);
        }, iter: 150, threads: 1);
    }
}
