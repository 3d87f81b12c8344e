using Pipelines.Operators;
using Pipelines.Tests.TestSupport;
using Pipelines.Windowing;

namespace Pipelines.Tests.State;

/// <summary>Stateful operators driven one at a time: their output, state and timers after each step.</summary>
public class OperatorHarnessTests
{
    private static OperatorHarness<string, WindowResult<string, long>> TumblingCount(long size, long lateness = 0, ErrorPolicy policy = ErrorPolicy.Fail) =>
        new((context, output) => new WindowAggregate<string, string, long, long>(
            s => s == "null" ? null! : s,
            Windows.Tumbling(TimeSpan.FromTicks(size)),
            new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default with { AllowedLateness = lateness }, output, null, context),
            context), policy);

    [Fact]
    public void Window_FiresWhenTheWatermarkReachesItsEnd_ThenItsStateAndTimersAreGone()
    {
        var h = TumblingCount(10).Element("a", 1).Element("a", 5).Element("b", 12);

        h.State.Entries().Should().HaveCount(2);
        h.Timers.Count(TimeDomain.EventTime).Should().Be(2);

        h.Watermark(8);
        h.Output.Values.Should().BeEmpty();

        h.Watermark(9);
        h.Output.Values.Select(r => (r.Key, r.Value, r.Timing)).Should().Equal(("a", 2L, PaneTiming.OnTime));
        h.Output.Elements[0].Timestamp.Should().Be(9, "results carry the window's last tick");
        h.State.Entries().Select(e => e.Key).Should().Equal("b");
        h.State.Keys.IndexOf("a").Should().Be(-1, "a key leaves the key table with its last state");
        h.Output.Watermarks.Should().Equal(8, 9);
    }

    [Fact]
    public void Window_WithLateness_KeepsStateUntilCleanup_AndEmitsLatePanes()
    {
        var h = TumblingCount(10, lateness: 5).Element("a", 1).Watermark(9);

        h.State.Entries().Should().ContainSingle();
        h.Timers.Pending(TimeDomain.EventTime).Select(t => t.Time).Should().Equal(14L);
        h.Element("a", 2);
        h.Output.Values.Select(r => (r.Value, r.Timing, r.PaneIndex)).Should().Equal((1L, PaneTiming.OnTime, 0), (2L, PaneTiming.Late, 1));

        h.Watermark(14).Element("a", 3);
        h.State.Entries().Should().BeEmpty();
        h.Counters.LateDropped.Should().Be(1);
    }

    [Fact]
    public void Barrier_IsHeld_UntilTheStateHeldAtItsArrivalIsEmitted()
    {
        var h = TumblingCount(10).Element("a", 1).Barrier(1);
        h.Output.Barriers.Should().BeEmpty();

        h.Element("a", 15).Watermark(9);
        h.Output.Barriers.Should().Equal(1L);
        h.Output.Values.Should().ContainSingle();
    }

    [Fact]
    public void Barrier_PassesAtOnce_WhenNothingIsHeld() =>
        TumblingCount(10).Barrier(7).Output.Barriers.Should().Equal(7L);

    [Fact]
    public void AFailingKeySelector_UnderSkip_LeavesNoKeyOrStateBehind()
    {
        var h = TumblingCount(10, policy: ErrorPolicy.Skip).Element("null", 1);

        h.State.Entries().Should().BeEmpty();
        h.State.Keys.Count.Should().Be(0);
        h.Counters.Skipped.Should().Be(1);
    }

    [Fact]
    public void Sessions_KeepTheirStateWindow_WhenTheyGrowAndMerge()
    {
        var h = new OperatorHarness<string, WindowResult<string, long>>((context, output) => new SessionWindowAggregate<string, string, long, long>(
            s => s, 10, new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default, output, null, context), context));

        h.Element("a", 0).Element("a", 30);
        h.State.Entries().Select(e => e.Namespace).Should().BeEquivalentTo(new[] { new Window(0, 10), new Window(30, 40) });

        h.Element("a", 15).Element("a", 22);   // [15, 25) then [22, 32) bridges to [30, 40)
        var entries = h.State.Entries().ToList();
        entries.Select(e => e.Namespace).Should().BeEquivalentTo(new[] { new Window(0, 10), new Window(15, 25) }, "a session keeps the state window it opened with; the merged-away one is dropped");
        entries.Select(e => ((SessionSlot<long>)e.Value!).Window).Should().BeEquivalentTo(new[] { new Window(0, 10), new Window(15, 40) });

        // One live timer per session, set when it opened: the merged session's moves to its end when it fires.
        var live = entries.Select(e => e.Namespace).ToHashSet();
        h.Timers.Pending(TimeDomain.EventTime).Where(t => live.Contains(t.Namespace)).Select(t => t.Time).Should().BeEquivalentTo(new[] { 9L, 24L });
        h.Watermark(24);
        h.Output.Values.Should().ContainSingle().Which.Window.Should().Be(new Window(0, 10));
        h.Timers.Pending(TimeDomain.EventTime).Select(t => (t.Namespace, t.Time)).Should().Contain((new Window(15, 25), 39L));

        h.End();
        h.Output.Values.Select(r => (r.Window, r.Value)).Should().Equal((new Window(0, 10), 1L), (new Window(15, 40), 3L));
        h.State.Entries().Should().BeEmpty();
        h.Timers.Pending(TimeDomain.EventTime).Should().BeEmpty();
        h.State.Keys.Count.Should().Be(0);
    }

    [Fact]
    public void SlidingWindows_WhenTheAggregatorFails_LeaveNoWindowTheElementOpened()
    {
        var h = new OperatorHarness<string, WindowResult<string, long>>((context, output) => new WindowAggregate<string, string, long, long>(
            s => s[..1],
            Windows.Sliding(TimeSpan.FromTicks(30), TimeSpan.FromTicks(10)),
            new PaneEmitter<string, string, long, long>(new FailingSum(failAt: 4), TriggerSpec.Default, output, null, context),
            context), ErrorPolicy.Skip);

        h.Element("a1", 5);                     // opens [-20, 10), [-10, 20), [0, 30)
        h.Element("a2", 15);                    // fails in [-10, 20): [10, 40) it would open must not stay behind
        h.State.Entries().Select(e => (e.Namespace, ((WindowSlot<long>)e.Value!).Accumulator)).Should().BeEquivalentTo(new[]
        {
            (new Window(-20, 10), 1L), (new Window(-10, 20), 1L), (new Window(0, 30), 1L),
        });
        h.Counters.Skipped.Should().Be(1);

        h.Element("a3", 15).End();
        h.Output.Values.Select(r => (r.Window, r.Value)).Should().Equal(
            (new Window(-20, 10), 1L), (new Window(-10, 20), 4L), (new Window(0, 30), 4L), (new Window(10, 40), 3L));
    }

    [Fact]
    public void Session_GrowingPastTheWatermarkAfterFiring_FiresOnTimeAgainAtItsNewEnd()
    {
        var h = new OperatorHarness<string, WindowResult<string, long>>((context, output) => new SessionWindowAggregate<string, string, long, long>(
            s => s, 10, new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default with { AllowedLateness = 100 }, output, null, context), context));

        h.Element("a", 0).Watermark(9);         // [0, 10) on time; its timer moves to cleanup at 109
        h.Element("a", 5);                      // [5, 15) grows it to [0, 15), past the watermark: open again
        h.Watermark(13);
        h.Output.Values.Select(r => (r.Window, r.Value, r.Timing)).Should().Equal((new Window(0, 10), 1L, PaneTiming.OnTime));

        h.Watermark(14);
        h.Output.Values.Select(r => (r.Window, r.Value, r.Timing)).Should().Equal(
            (new Window(0, 10), 1L, PaneTiming.OnTime), (new Window(0, 15), 2L, PaneTiming.OnTime));

        h.Watermark(113);
        h.State.Entries().Should().ContainSingle("kept until the grown session's cleanup time, 114");
        h.Watermark(114);
        h.State.Entries().Should().BeEmpty();
        h.Timers.Pending(TimeDomain.EventTime).Should().BeEmpty();
    }

    /// <summary>A sum of the numbers after the key letter that throws on its <c>failAt</c>-th add (counted over every window).</summary>
    private sealed class FailingSum(int failAt) : IAggregator<string, long, long>
    {
        private int _adds;

        public long CreateAccumulator() => 0;

        public long Add(long accumulator, string value) => ++_adds == failAt ? throw new InvalidOperationException("boom") : accumulator + int.Parse(value[1..], System.Globalization.CultureInfo.InvariantCulture);

        public long Merge(long a, long b) => a + b;

        public long GetResult(long accumulator) => accumulator;
    }

    [Fact]
    public void IntervalJoin_DropsEachSidesElements_WhenNoLaterElementCanMatchThem()
    {
        var h = new OperatorHarness<string, string>((context, output) => new IntervalJoin<string, string, string, string>(
            l => l[..1], r => r[..1], lower: -5, upper: 5, allowedLateness: 0, JoinKind.Inner, (l, r) => $"{l}+{r}", output, null, null, context));

        h.Element("a1", 10, port: 0).Element("a2", 12, port: 1).Element("a3", 30, port: 1);
        h.Output.Values.Should().Equal("a1+a2");

        h.Watermark(15);   // left 10 expires at 15, right 12 at 17
        var buffers = (IntervalJoin<string, string, string, string>.Buffers)h.State.Entries().Single().Value!;
        buffers.Left.Should().BeEmpty();
        buffers.Right.Select(e => e.Value).Should().Equal("a2", "a3");

        h.Watermark(35);
        h.State.Entries().Should().BeEmpty();
        h.Timers.Count(TimeDomain.EventTime).Should().Be(0);
    }
}
