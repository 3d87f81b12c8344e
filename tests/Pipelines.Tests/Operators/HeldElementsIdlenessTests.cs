using Microsoft.Extensions.Time.Testing;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary>
/// <c>Buffer</c> and <c>Sample</c> hold elements back; an idle input must not be passed on meanwhile. Downstream
/// stages leave an idle input out of their watermark, so they would move past the held elements, which then arrive
/// late (dropped by the windows after a union, a join or a shuffle from several workers).
/// </summary>
public class HeldElementsIdlenessTests
{
    [Fact]
    public void Buffer_PassesIdlenessOn_OnlyOnceTheHeldListIsOut()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = new OperatorHarness<string, IReadOnlyList<int>>((_, output) => new Buffer<int>(3, TimeSpan.FromSeconds(1), clock, output));

        harness.Idle();
        harness.Output.Log.Should().Equal(["idle"], "nothing is held: the idleness goes on at once");

        harness.Element(1, 10).Element(2, 20).Idle();
        harness.Output.Log.Count(l => l == "idle").Should().Be(1, "two elements are held: downstream must keep waiting for them");

        clock.Advance(TimeSpan.FromSeconds(1));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().ContainSingle().Which.Should().Equal(1, 2);
        harness.Output.Log.Should().EndWith("idle", "the input is still idle once the list is out");
        harness.Output.Log.Count(l => l == "idle").Should().Be(2);

        harness.Element(3, 30).Watermark(30).Idle();
        harness.Output.Log.Count(l => l == "idle").Should().Be(2, "element 3 is held");
        harness.Element(4, 40).Element(5, 50);
        harness.Output.Values.Should().HaveCount(2, "the second list filled");
        harness.Output.Log.Count(l => l == "idle").Should().Be(2, "an element ended the idleness");
    }

    [Fact]
    public void Buffer_WithoutStorage_AListEmittedAtABarrier_PassesOnTheIdlenessItHeldBack()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = new OperatorHarness<string, IReadOnlyList<int>>((_, output) => new Buffer<int>(10, null, clock, output));

        harness.Element(1, 10).Idle().Barrier(4);
        harness.Output.Values.Should().ContainSingle().Which.Should().Equal(1);
        harness.Output.Barriers.Should().Equal(4L);
        harness.Output.Log.Should().EndWith("idle");
    }

    [Fact]
    public void Sample_PassesIdlenessOn_OnlyOnceTheHeldElementIsOut()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = new OperatorHarness<string, int>((_, output) => new Sample<int>(TimeSpan.FromSeconds(1), clock, output));

        harness.Element(1, 10).Idle();
        harness.Output.Log.Should().NotContain("idle", "element 1 is held until its period is over");

        clock.Advance(TimeSpan.FromSeconds(1));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().Equal(1);
        harness.Output.Log.Should().EndWith("idle", "the input is still idle once the element is out");

        harness.Idle();
        harness.Output.Log.Count(l => l == "idle").Should().Be(2, "nothing is held: the idleness goes on at once");
    }
}
