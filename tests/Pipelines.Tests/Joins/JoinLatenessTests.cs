using Pipelines.Operators;
using Pipelines.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Joins;

/// <summary>Joins follow the window rules: allowed lateness, late elements of each side to their own output, counted.</summary>
public class JoinLatenessTests
{
    private static readonly DateTimeOffset T0 = Ev.T0;

    public sealed record Side(bool Left, string Key, int Value);

    private static Side L(int value) => new(true, "a", value);

    private static Side R(int value) => new(false, "a", value);

    private static async Task<(List<string> Pairs, List<Side> LateLeft, List<Side> LateRight, RunSummary Summary)> RunAsync(
        TestStream<Side> script, Func<KeyedStream<Side, string>, KeyedStream<Side, string>, JoinResultStream<Side, Side, string>> join)
    {
        var pairs = new List<string>();
        var lateLeft = new List<Side>();
        var lateRight = new List<Side>();
        var p = new PipelineBuilder();
        var source = p.From(script);
        var joined = join(source.Where(s => s.Left).KeyBy(s => s.Key), source.Where(s => !s.Left).KeyBy(s => s.Key));
        joined.To(Sinks.Collection(pairs));
        joined.LateLeftElements().To(Sinks.Collection(lateLeft));
        joined.LateRightElements().To(Sinks.Collection(lateRight));
        var summary = await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(p.Build());
        return (pairs, lateLeft, lateRight, summary);
    }

    [Fact]
    public async Task WindowJoin_LateWithinLateness_PairsAtOnce_BeyondItGoesToTheLateOutputOfItsSide()
    {
        var script = new TestStream<Side>()
            .Add(T0.AddSeconds(10), L(1))
            .Add(T0.AddSeconds(20), R(2))
            .AdvanceWatermarkTo(T0.AddMinutes(1))   // [0, 1m) fires: 1-2
            .Add(T0.AddSeconds(30), R(3))           // late, within a minute's lateness: paired with 1 at once
            .AdvanceWatermarkTo(T0.AddMinutes(3))   // the window's state is dropped
            .Add(T0.AddSeconds(40), L(4))           // too late
            .Add(T0.AddSeconds(50), R(5));          // too late

        var (pairs, lateLeft, lateRight, summary) = await RunAsync(script, (l, r) =>
            l.Join(r, Windows.Tumbling(TimeSpan.FromMinutes(1)), (a, b) => $"{a.Value}-{b.Value}", allowedLateness: TimeSpan.FromMinutes(1)));

        pairs.Should().Equal("1-2", "1-3");
        lateLeft.Should().Equal(L(4));
        lateRight.Should().Equal(R(5));
        summary.LateElementsDropped.Should().Be(2);
    }

    [Fact]
    public void WindowJoin_ALateElementWhosePairingFailsInANewerWindow_UnderSkip_PairsWithNothingLater()
    {
        // Sliding windows of 10 ticks every 5, a lateness of 10. r3 at 12 comes after [5, 15) and [10, 20) fired:
        // it pairs with a1 in [5, 15), and its pairing with a2 in [10, 20) fails — r3 is skipped, so a4, coming
        // later into [5, 15), must not pair with it.
        var harness = new OperatorHarness<string, string>(
            (context, output) => new WindowJoin<string, string, string, string>(
                l => l[..1], r => r[..1], Windows.Sliding(TimeSpan.FromTicks(10), TimeSpan.FromTicks(5)), 10,
                new JoinPairing<string, string, string, string>(JoinKind.Inner, (l, r) => l == "a2" ? throw new InvalidOperationException("no pair for a2") : $"{l}+{r}"),
                output, null, null, context),
            ErrorPolicy.Skip);

        harness.Element("a1", 6, port: 0).Element("a2", 16, port: 0).Watermark(21);
        harness.Element("a3", 12, port: 1);
        harness.Element("a4", 13, port: 0);
        harness.End();

        harness.Output.Values.Should().BeEmpty("a3 was skipped: its pair with a1 is dropped with it, and a4 finds it in no window");
    }

    [Fact]
    public async Task WindowJoin_WithoutLateness_DropsWhatComesAfterTheWindowFired()
    {
        var script = new TestStream<Side>()
            .Add(T0.AddSeconds(10), L(1), R(2))
            .AdvanceWatermarkTo(T0.AddMinutes(1))
            .Add(T0.AddSeconds(30), R(3));

        var (pairs, lateLeft, lateRight, summary) = await RunAsync(script, (l, r) =>
            l.Join(r, Windows.Tumbling(TimeSpan.FromMinutes(1)), (a, b) => $"{a.Value}-{b.Value}"));

        pairs.Should().Equal("1-2");
        lateLeft.Should().BeEmpty();
        lateRight.Should().Equal(R(3));
        summary.LateElementsDropped.Should().Be(1);
    }

    [Fact]
    public async Task IntervalJoin_LateWithinLateness_StillMatches_BeyondItGoesToTheLateOutput()
    {
        var script = new TestStream<Side>()
            .Add(T0.AddSeconds(100), L(1))
            .AdvanceWatermarkTo(T0.AddSeconds(105))
            .Add(T0.AddSeconds(95), R(2))           // behind the watermark, within 30 s: matches 1 (window [90, 110])
            .AdvanceWatermarkTo(T0.AddSeconds(200))
            .Add(T0.AddSeconds(150), R(3))          // 150 + 30 <= 200: late
            .Add(T0.AddSeconds(160), L(4));         // late

        var (pairs, lateLeft, lateRight, summary) = await RunAsync(script, (l, r) =>
            l.IntervalJoin(r, TimeSpan.FromSeconds(-10), TimeSpan.FromSeconds(10), (a, b) => $"{a.Value}-{b.Value}", allowedLateness: TimeSpan.FromSeconds(30)));

        pairs.Should().Equal("1-2");
        lateRight.Should().Equal(R(3));
        lateLeft.Should().Equal(L(4));
        summary.LateElementsDropped.Should().Be(2);
    }

    [Fact]
    public async Task IntervalJoin_WithoutLateness_AnElementBehindTheWatermarkIsLate()
    {
        var script = new TestStream<Side>()
            .Add(T0.AddSeconds(100), L(1))
            .AdvanceWatermarkTo(T0.AddSeconds(105))
            .Add(T0.AddSeconds(95), R(2));

        var (pairs, _, lateRight, _) = await RunAsync(script, (l, r) =>
            l.IntervalJoin(r, TimeSpan.FromSeconds(-10), TimeSpan.FromSeconds(10), (a, b) => $"{a.Value}-{b.Value}"));

        pairs.Should().BeEmpty();
        lateRight.Should().Equal(R(2));
    }

    [Fact]
    public void NegativeLateness_IsRefused()
    {
        var p = new PipelineBuilder();
        var s = p.Events(Ev.At("a", 0)).KeyBy(e => e.Key);
        var window = () => s.Join(s, Windows.Tumbling(TimeSpan.FromMinutes(1)), (a, b) => 0, TimeSpan.FromSeconds(-1));
        var interval = () => s.IntervalJoin(s, TimeSpan.Zero, TimeSpan.Zero, (a, b) => 0, TimeSpan.FromSeconds(-1));
        window.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("allowedLateness");
        interval.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("allowedLateness");
    }

    [Theory]
    [InlineData(ErrorPolicy.Skip)]
    [InlineData(ErrorPolicy.DeadLetter)]
    public async Task IntervalJoin_ASelectorFailingPartWay_WithdrawsAllOfTheElementsPairs(ErrorPolicy policy)
    {
        // The right elements arrive first, so the left one completes three pairs; the selector fails on the second.
        var dead = new List<DeadLetter>();
        var results = new List<string>();
        var p = new PipelineBuilder().OnError(policy).WithDeadLetterSink(Sinks.Collection(dead));
        var right = p.Events("right", [Ev.At("a", 1, 1), Ev.At("a", 2, 2), Ev.At("a", 3, 3)]).KeyBy(e => e.Key);
        var left = p.Events("left", [Ev.At("a", 2, 10), Ev.At("a", 2, 20)]).KeyBy(e => e.Key);
        left.IntervalJoin(right, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(5), (l, r) => l.Value == 10 && r.Value == 2 ? throw new InvalidOperationException("boom") : $"{l.Value}-{r.Value}")
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        results.Should().Equal("20-1", "20-2", "20-3");
        (summary.ElementsSkipped + summary.ElementsDeadLettered).Should().Be(1);
        if (policy == ErrorPolicy.DeadLetter) dead.Should().ContainSingle().Which.Element.Should().Be(Ev.At("a", 2, 10));
    }
}
