using Pipelines.Windowing;

namespace Pipelines.Tests.State;

public class SessionMergingTests
{
    private static Window W(long s, long e) => new(s, e);

    [Fact]
    public void NoSessions_InsertsAtZero() =>
        SessionMerging.Merge([], W(5, 10)).Should().Be((0, 0, W(5, 10)));

    [Fact]
    public void Disjoint_IsInsertedInStartOrder()
    {
        Window[] sessions = [W(0, 5), W(20, 25)];
        SessionMerging.Merge(sessions, W(10, 15)).Should().Be((1, 0, W(10, 15)));
        SessionMerging.Merge(sessions, W(30, 35)).Should().Be((2, 0, W(30, 35)));
    }

    [Fact]
    public void TouchingSessions_StayApart_BecauseWindowsAreHalfOpen()
    {
        Window[] sessions = [W(0, 5), W(10, 15)];
        SessionMerging.Merge(sessions, W(5, 10)).Should().Be((1, 0, W(5, 10)));
    }

    [Fact]
    public void Overlap_ExtendsOneSession()
    {
        Window[] sessions = [W(0, 5), W(20, 25)];
        SessionMerging.Merge(sessions, W(3, 8)).Should().Be((0, 1, W(0, 8)));
        SessionMerging.Merge(sessions, W(18, 21)).Should().Be((1, 1, W(18, 25)));
    }

    [Fact]
    public void Bridge_MergesEveryOverlappedSession()
    {
        Window[] sessions = [W(0, 5), W(6, 9), W(12, 20), W(30, 40)];
        SessionMerging.Merge(sessions, W(4, 13)).Should().Be((0, 3, W(0, 20)));
    }

    [Fact]
    public void Inside_KeepsTheSessionWindow()
    {
        Window[] sessions = [W(0, 50)];
        SessionMerging.Merge(sessions, W(10, 20)).Should().Be((0, 1, W(0, 50)));
    }
}
