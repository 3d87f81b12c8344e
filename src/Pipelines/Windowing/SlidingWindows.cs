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

        // Stepped back from the element's last window while the windows still hold it, then forward onto that window
        // exactly; the steps never leave long's range (sizes near TimeSpan.MaxValue), and no window starts before the
        // first representable instant.
        long earliest = EventTime.SaturatingAdd(timestamp, -Size);
        long lowest = long.MinValue + Slide;
        long firstStart = lastStart;
        while (firstStart >= lowest && firstStart - Slide > earliest) firstStart -= Slide;

        int n = 0;
        for (long start = firstStart; ; start += Slide)
        {
            destination[n++] = new Window(start, EventTime.SaturatingAdd(start, Size));
            if (start >= lastStart) break;
        }

        return n;
    }

    public override string ToString() => $"Sliding({TimeSpan.FromTicks(Size)} every {TimeSpan.FromTicks(Slide)}, offset {TimeSpan.FromTicks(Offset)})";
}
