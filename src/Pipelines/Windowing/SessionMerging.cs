namespace Pipelines.Windowing;

/// <summary>
/// How a new element's session joins a key's sessions (Beam's <c>MergeOverlappingIntervalWindows</c>): a pure
/// function over windows, so it is tested on its own. Sessions overlap when they share a moment; sessions that
/// only touch (<c>a.End == b.Start</c>) stay apart, because <c>[s, e)</c> is half-open.
/// </summary>
internal static class SessionMerging
{
    /// <summary>
    /// Given a key's sessions sorted by start (never overlapping each other) and a new session
    /// <paramref name="added"/>, returns the range <c>[First, First + Count)</c> of sessions that overlap it (they
    /// merge with it; <c>Count</c> is 0 when none does, and then <c>First</c> is where it is inserted) and the
    /// merged window: the smallest window covering all of them.
    /// </summary>
    public static (int First, int Count, Window Merged) Merge(ReadOnlySpan<Window> sessions, Window added)
    {
        long start = added.StartTicks, end = added.EndTicks;
        int first = 0;
        while (first < sessions.Length && sessions[first].EndTicks <= start) first++;
        int last = first;
        while (last < sessions.Length && sessions[last].StartTicks < end) last++;
        if (first == last) return (first, 0, added);
        return (first, last - first, new Window(Math.Min(start, sessions[first].StartTicks), Math.Max(end, sessions[last - 1].EndTicks)));
    }
}
