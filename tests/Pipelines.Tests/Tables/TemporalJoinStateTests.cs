using Pipelines.Operators;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Tables;

/// <summary>The temporal join's state, driven one step at a time: what waits, which versions are kept, what goes.</summary>
public class TemporalJoinStateTests
{
    private sealed record Order(int Id, string Customer);

    private static OperatorHarness<string, string> Join(long lateness = 0, bool left = false) =>
        new((context, output) => new TemporalJoin<Order, string, string, string>(
            o => o.Customer, lateness, left, (o, tier) => $"{o.Id}:{tier ?? "none"}", output, null, null, context));

    private static Change<string, string> Set(string key, string tier) => Change.Update(key, tier, default);

    private static Change<string, string> Remove(string key) => Change.Delete<string, string>(key, default);

    /// <summary>The version times of <paramref name="key"/>, oldest first.</summary>
    private static List<long> Versions(OperatorHarness<string, string> h, string key) =>
        h.State.Entries()
            .Where(e => e.State == "versions" && e.Key == key)
            .SelectMany(e => ((TemporalJoin<Order, string, string, string>.Versions)e.Value!).List.Select(v => v.Time))
            .ToList();

    [Fact]
    public void Element_WaitsInStateUntilTheWatermarkReachesItsTime()
    {
        var h = Join().Element(Set("a", "silver"), 10, port: 1).Element(new Order(1, "a"), 15);

        h.State.Entries().Where(e => e.State == "pending").Select(e => (e.Key, e.Namespace.StartTicks)).Should().Equal(("a", 15L));
        h.Timers.Pending(TimeDomain.EventTime).Select(t => t.Time).Should().Contain(15L);

        h.Watermark(14);
        h.Output.Values.Should().BeEmpty("a version at 14 could still arrive");

        h.Element(Set("a", "gold"), 15, port: 1).Watermark(15);
        h.Output.Elements.Should().Equal(("1:gold", 15L));
        h.State.Entries().Where(e => e.State == "pending").Should().BeEmpty();
    }

    [Fact]
    public void Versions_OlderThanTheOneValidAtTheWatermark_AreDropped()
    {
        var h = Join()
            .Element(Set("a", "v10"), 10, port: 1)
            .Element(Set("a", "v30"), 30, port: 1)
            .Element(Set("a", "v20"), 20, port: 1); // out of order
        Versions(h, "a").Should().Equal(10, 20, 30);
        h.Timers.Pending(TimeDomain.EventTime).Should().ContainSingle("one cleanup timer per key, at the time its oldest version is superseded");

        h.Watermark(19);
        Versions(h, "a").Should().Equal(10, 20, 30);

        h.Watermark(20);
        Versions(h, "a").Should().Equal(20, 30);

        h.Watermark(1000);
        Versions(h, "a").Should().Equal(30);
        h.Timers.Count(TimeDomain.EventTime).Should().Be(0, "a single live version needs no cleanup");

        h.Element(new Order(1, "a"), 1001).Watermark(1001);
        h.Output.Values.Should().Equal("1:v30");
    }

    [Fact]
    public void WatermarkJump_WaitingElementsStillSeeTheVersionsValidAtTheirTimes()
    {
        // The end of a bounded run is one jump to +∞: cleanup timers fire in time order with the elements'
        // timers, so a version is dropped only after the elements before its successor were emitted.
        var h = Join()
            .Element(Set("a", "v10"), 10, port: 1)
            .Element(Set("a", "v20"), 20, port: 1)
            .Element(Set("a", "v30"), 30, port: 1)
            .Element(new Order(1, "a"), 15)
            .Element(new Order(2, "a"), 25)
            .Element(new Order(3, "a"), 35);

        h.Watermark(1000);

        h.Output.Values.Should().Equal("1:v10", "2:v20", "3:v30");
        Versions(h, "a").Should().Equal(30);
    }

    [Fact]
    public void Versions_WithAllowedLateness_AreKeptForThatLongBehindTheWatermark()
    {
        var h = Join(lateness: 10).Element(Set("a", "v10"), 10, port: 1).Element(Set("a", "v20"), 20, port: 1);

        h.Watermark(28);
        Versions(h, "a").Should().Equal(10, 20);
        h.Element(new Order(1, "a"), 19); // 19 + 10 > 28: behind the watermark, within the lateness
        h.Output.Values.Should().Equal(["1:v10"], "an element within the lateness is joined at once with the version valid at its time");

        h.Watermark(30);
        Versions(h, "a").Should().Equal(20);
        h.Element(new Order(2, "a"), 20).Element(new Order(3, "a"), 21);
        h.Output.Values.Should().Equal("1:v10", "3:v20");
        h.Counters.LateDropped.Should().Be(1, "an element at 20 is late at watermark 30 with 10 of lateness");
    }

    [Fact]
    public void Delete_OnceExpired_DropsTheKeyWithItsState()
    {
        var h = Join(left: true).Element(Set("a", "silver"), 10, port: 1).Element(Remove("a"), 20, port: 1);

        h.Watermark(19);
        Versions(h, "a").Should().Equal(10, 20);

        h.Watermark(20);
        h.State.Entries().Should().BeEmpty();
        h.Timers.Count(TimeDomain.EventTime).Should().Be(0);
        h.State.Keys.IndexOf("a").Should().Be(-1, "a key leaves the key table with its last state");

        h.Element(new Order(1, "a"), 25).Watermark(25);
        h.Output.Values.Should().Equal("1:none");
        h.State.Keys.Count.Should().Be(0);
    }

    [Fact]
    public void LateChange_IsDroppedAndCounted_AndChangesNothing()
    {
        var h = Join(left: true).Element(Set("a", "silver"), 10, port: 1).Watermark(50);

        h.Element(Set("a", "gold"), 40, port: 1);

        h.Counters.LateDropped.Should().Be(1);
        h.Element(new Order(1, "a"), 60).Watermark(60);
        h.Output.Values.Should().Equal("1:silver");
    }

    [Fact]
    public void Barrier_IsHeldOnceTheStageHoldsATable()
    {
        var h = Join().Element(new Order(1, "a"), 15).Barrier(1);
        h.Output.Barriers.Should().BeEmpty("the element at 15 has not been emitted");
        h.Watermark(15);
        h.Output.Barriers.Should().Equal([1L], "only waiting elements were held");

        h.Element(Set("a", "silver"), 20, port: 1).Barrier(2).Watermark(10_000);
        h.Output.Barriers.Should().Equal([1L], "versions answer later elements: without snapshots the barrier waits for the end");
        h.End();
        h.Output.Barriers.Should().Equal(1L, 2L);
    }

    [Fact]
    public void FailingSelector_InATimer_FollowsThePolicy_AndTheOtherElementsAreEmitted()
    {
        var h = new OperatorHarness<string, string>(
            (context, output) => new TemporalJoin<Order, string, string, string>(
                o => o.Customer, 0, true, (o, tier) => o.Id == 2 ? throw new InvalidOperationException("boom") : $"{o.Id}:{tier}", output, null, null, context),
            ErrorPolicy.Skip);

        h.Element(Set("a", "silver"), 10, port: 1).Element(new Order(1, "a"), 15).Element(new Order(2, "a"), 15).Element(new Order(3, "a"), 15).Watermark(15);

        h.Output.Values.Should().Equal("1:silver", "3:silver");
        h.Counters.Skipped.Should().Be(1);
    }
}
