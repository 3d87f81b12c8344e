using CsCheck;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Joins;

public class WindowJoinTests
{
    private static readonly WindowAssigner Minute = Windows.Tumbling(TimeSpan.FromMinutes(1));

    private static Task<List<string>> JoinAsync(WindowAssigner windows, Ev[] left, Ev[] right) =>
        BoundedRun.CollectAsync(p =>
        {
            var l = p.Events("left", left).KeyBy(e => e.Key);
            var r = p.Events("right", right).KeyBy(e => e.Key);
            return l.Join(r, windows, (a, b) => $"{a.Key}:{a.Value}-{b.Value}");
        });

    [Fact]
    public async Task Join_SameKeyAndWindow_PairsEveryLeftWithEveryRight_LeftMajor()
    {
        var results = await JoinAsync(Minute, [Ev.At("a", 10, 1), Ev.At("a", 20, 2)], [Ev.At("a", 30, 3), Ev.At("a", 40, 4)]);

        results.Should().Equal("a:1-3", "a:1-4", "a:2-3", "a:2-4");
    }

    [Fact]
    public async Task Join_ElementsInDifferentWindows_DoNotPair()
    {
        // 59 s and 60 s are in different one-minute windows, although only a second apart.
        var results = await JoinAsync(Minute, [Ev.At("a", 59, 1)], [Ev.At("a", 60, 2)]);

        results.Should().BeEmpty();
    }

    [Fact]
    public async Task Join_DifferentKeys_DoNotPair_AndAKeyOnOneSideOnly_ProducesNothing()
    {
        var results = await JoinAsync(Minute, [Ev.At("a", 1, 1), Ev.At("b", 2, 2)], [Ev.At("a", 3, 3), Ev.At("c", 4, 4)]);

        results.Should().Equal("a:1-3");
    }

    [Fact]
    public async Task Join_SlidingWindows_PairsOncePerWindowBothElementsShare()
    {
        // size 2 min, slide 1 min: 00:30 and 00:50 share [-1 min, 1 min) and [0, 2 min).
        var results = await JoinAsync(
            Windows.Sliding(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1)),
            [Ev.At("a", 30, 1)],
            [Ev.At("a", 50, 2), Ev.At("a", 70, 3)]);

        results.Should().Equal("a:1-2", "a:1-2", "a:1-3");
    }

    [Fact]
    public async Task Join_GlobalWindow_WorksWithoutEventTime()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var users = p.From(Sources.Enumerable(new[] { (Id: 1, Name: "ann"), (Id: 2, Name: "bob") })).KeyBy(u => u.Id);
            var orders = p.From(Sources.Enumerable(new[] { (User: 2, Item: "tea"), (User: 1, Item: "pen"), (User: 2, Item: "cup") })).KeyBy(o => o.User);
            return users.Join(orders, Windows.Global(), (u, o) => $"{u.Name}:{o.Item}");
        });

        results.Should().Equal("ann:pen", "bob:tea", "bob:cup");
    }

    [Fact]
    public async Task Join_Results_AreOrderedByWindowEnd_ThenByFirstSeen()
    {
        var results = await JoinAsync(
            Minute,
            [Ev.At("b", 70, 1), Ev.At("a", 65, 2), Ev.At("z", 5, 3)],
            [Ev.At("a", 61, 4), Ev.At("b", 62, 5), Ev.At("z", 6, 6)]);

        results.Should().Equal("z:3-6", "b:1-5", "a:2-4");
    }

    [Fact]
    public async Task Join_ResultEventTime_IsTheWindowsLastTick()
    {
        // Both elements are in the first 10 s, but the join result carries 00:59.9999999, so a 30 s window puts it in [30 s, 60 s).
        var results = await BoundedRun.CollectAsync(p =>
        {
            var l = p.Events("left", [Ev.At("a", 1, 1)]).KeyBy(e => e.Key);
            var r = p.Events("right", [Ev.At("a", 2, 2)]).KeyBy(e => e.Key);
            return l.Join(r, Minute, (a, b) => a.Key)
                .KeyBy(k => k)
                .Window(Windows.Tumbling(TimeSpan.FromSeconds(30)))
                .Count();
        });

        results.Flat().Should().Equal(("a", Ev.T0.AddSeconds(30), Ev.T0.AddSeconds(60), 1L));
    }

    [Fact]
    public async Task Join_AnyInput_EqualsNestedLoopsOverKeyAndWindow()
    {
        var side = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 240], Gen.Int[0, 99]).Array[0, 15];

        await Gen.Select(side, side).SampleAsync(async (rawLeft, rawRight) =>
        {
            var left = rawLeft.Select(x => Ev.At("k" + x.Item1, x.Item2, x.Item3)).ToArray();
            var right = rawRight.Select(x => Ev.At("k" + x.Item1, x.Item2, x.Item3)).ToArray();

            var results = await JoinAsync(Minute, left, right);

            static int MinuteOf(Ev e) => (int)Math.Floor((e.Time - Ev.T0).TotalMinutes);
            var expected = from l in left
                           from r in right
                           where l.Key == r.Key && MinuteOf(l) == MinuteOf(r)
                           select $"{l.Key}:{l.Value}-{r.Value}";
            results.Should().BeEquivalentTo(expected);
        }, iter: 100, threads: 1);
    }
}
