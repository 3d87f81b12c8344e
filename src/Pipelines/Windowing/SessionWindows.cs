using Pipelines.Time;

namespace Pipelines.Windowing;

/// <summary>
/// Per-key activity sessions: each element opens <c>[t, t + gap)</c>, and overlapping windows merge. Two
/// elements of a key are in one session exactly when a chain of elements links them with steps shorter than the gap.
/// </summary>
internal sealed class SessionWindows(long gap) : WindowAssigner
{
    public long Gap { get; } = gap;

    internal override bool IsMerging => true;

    internal override int MaxWindowsPerElement => 1;

    internal override int AssignWindows(long timestamp, Span<Window> destination)
    {
        destination[0] = new Window(timestamp, EventTime.SaturatingAdd(timestamp, Gap));
        return 1;
    }

    public override string ToString() => $"Session(gap {TimeSpan.FromTicks(Gap)})";
}
