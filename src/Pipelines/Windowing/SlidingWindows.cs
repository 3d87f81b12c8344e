using Pipelines.Time;

namespace Pipelines.Windowing;

/// <summary>Windows of <c>size</c> starting every <c>slide</c>; an element belongs to ⌈size / slide⌉ of them (fewer when the grid does not divide).</summary>
internal sealed class SlidingWindows(long size, long slide, long offset) : WindowAssigner
{
    public long Size { get; } = size;

    public long Slide { get; } = slide;

    public long Offset { get; } = offset;

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => (int)((Size + Slide - 1) / Slide);

    internal override int AssignWindows(long timestamp, Span<Window> destination)
    {
        long lastStart = EventTime.FloorToBoundary(timestamp, Slide, Offset);
        long firstStart = lastStart;
        while (firstStart - Slide > timestamp - Size) firstStart -= Slide;

        int n = 0;
        for (long start = firstStart; start <= lastStart; start += Slide)
        {
            destination[n++] = new Window(start, EventTime.SaturatingAdd(start, Size));
        }

        return n;
    }

    public override string ToString() => $"Sliding({TimeSpan.FromTicks(Size)} every {TimeSpan.FromTicks(Slide)}, offset {TimeSpan.FromTicks(Offset)})";
}
