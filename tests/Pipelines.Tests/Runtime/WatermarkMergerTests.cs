using Pipelines.Runtime;

namespace Pipelines.Tests.Runtime;

public class WatermarkMergerTests
{
    private static (WatermarkMerger Merger, int A, int B) TwoInputs()
    {
        var merger = new WatermarkMerger(2);
        return (merger, 0, 1);
    }

    [Fact]
    public void Combined_IsTheMinimumOverInputs_AndNeverGoesBack()
    {
        var (m, a, b) = TwoInputs();
        m.OnWatermark(a, 100, out _).Should().BeFalse("input b has no watermark yet");
        m.OnWatermark(b, 50, out long combined).Should().BeTrue();
        combined.Should().Be(50);
        m.OnWatermark(b, 40, out _).Should().BeFalse("a watermark never goes back");
        m.Current.Should().Be(50);
    }

    [Fact]
    public void IdleInput_StopsHoldingBack_AndAllIdle_MovesToTheFurthest()
    {
        var (m, a, b) = TwoInputs();
        m.OnWatermark(a, 100, out _);
        m.OnWatermark(b, 50, out _);
        m.OnIdle(b, out long combined).Should().BeTrue();
        combined.Should().Be(100);
        m.OnIdle(a, out _).Should().BeFalse("all idle: the furthest input, already reached");
        m.Current.Should().Be(100);
    }

    [Fact]
    public void OneInputEnded_TheOtherIdle_DoesNotJumpToInfinity()
    {
        var (m, a, b) = TwoInputs();
        m.OnWatermark(b, 70, out _);
        m.OnEnd(a, out long afterEnd).Should().BeTrue();
        afterEnd.Should().Be(70, "the live input still holds the watermark");
        m.OnIdle(b, out _).Should().BeFalse("an idle live input keeps its own watermark, not +inf");
        m.Current.Should().Be(70);
        m.OnEnd(b, out long final).Should().BeTrue();
        final.Should().Be(long.MaxValue);
        m.AllEnded.Should().BeTrue();
    }

    [Fact]
    public void AnInputsFinalInfinity_DoesNotCarryTheWatermarkPastAnIdleInput()
    {
        var (m, a, b) = TwoInputs();
        m.OnWatermark(a, 100, out _);
        m.OnIdle(b, out long combined).Should().BeTrue();
        combined.Should().Be(100);

        // a's source ends: its +∞ comes just before its end. b is idle but may still send.
        m.OnWatermark(a, long.MaxValue, out _).Should().BeFalse("b, idle, may still send elements after 100");
        m.OnEnd(a, out _).Should().BeFalse();
        m.Current.Should().Be(100);

        m.OnWatermark(b, 130, out combined).Should().BeTrue();
        combined.Should().Be(130);
        m.OnWatermark(b, long.MaxValue, out combined).Should().BeTrue("no input can send any more");
        combined.Should().Be(long.MaxValue);
    }
}
