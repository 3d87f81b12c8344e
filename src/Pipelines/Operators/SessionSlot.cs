namespace Pipelines.Operators;

/// <summary>
/// State of one session, kept under its <em>state window</em> (the window of the element that opened it, which
/// does not change while the session grows): the session's current window, its accumulator and pane bookkeeping,
/// and the time of its one live timer. The state window is the namespace; the current window is the mapping
/// Flink's <c>MergingWindowSet</c> keeps from a session to its state window.
/// </summary>
internal struct SessionSlot<TAcc>
{
    /// <summary>The accumulator and pane bookkeeping.</summary>
    public WindowSlot<TAcc> Pane;

    /// <summary>Start of the session's current window.</summary>
    public long Start;

    /// <summary>End of the session's current window.</summary>
    public long End;

    /// <summary>The time of the session's live timer; timers at other times are stale and do nothing.</summary>
    public long TimerAt;

    /// <summary>The session's current window.</summary>
    public readonly Window Window => new(Start, End);
}
