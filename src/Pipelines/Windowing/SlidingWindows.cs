using Pipelines.Time;

namespace Pipelines.Windowing;

/// <summary>Windows of <c>size</c> starting every <c>slide</c>; an element belongs to ⌈size / slide⌉ of them (fewer when the grid does not divide).</summary>
internal sealed class SlidingWindows(long size, long slide, long offset) : WindowAssigner
{
    public long Size { get; } = size;

    public long Slide { get; } = slide;

    public long Offset { get; } = offset;

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => (int)WindowsPerElement(Size, Slide);

    /// <summary>⌈size / slide⌉, without the overflow of <c>size + slide - 1</c> for sizes near <see cref="TimeSpan.MaxValue"/>.</summary>
    internal static long WindowsPerElement(long size, long slide) => size / slide + (size % slide == 0 ? 0 : 1);

    internal override int AssignWindows(long timestamp, Span<Window> destination)
    {
        long lastStart = EventTime.FloorToBoundary(timestamp, Slide, Offset);

        // The windows holding the element start at lastStart - j·slide for j ≤ (size - (timestamp - lastStart) - 1) / slide,
        // counted rather than stepped to, so sizes near TimeSpan.MaxValue do not overflow; none starts before the
        // first representable instant.
        long earlier = (Size - (timestamp - lastStart) - 1) / Slide;
        if (lastStart < long.MinValue + earlier * Slide) earlier = (long)(unchecked((ulong)(lastStart - long.MinValue)) / (ulong)Slide);
        int n = (int)earlier + 1;
        for (int j = 0; j < n; j++)
        {
            long start = lastStart - (earlier - j) * Slide;
            destination[j] = new Window(start, EventTime.SaturatingAdd(start, Size));
        }

        return n;
    }

    public override string ToString() => $"Sliding({TimeSpan.FromTicks(Size)} every {TimeSpan.FromTicks(Slide)}, offset {TimeSpan.FromTicks(Offset)})";
}
