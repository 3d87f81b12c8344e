using Pipelines.Time;

namespace Pipelines.Windowing;

/// <summary>Fixed-size, non-overlapping windows <c>[offset + k·size, offset + (k+1)·size)</c>.</summary>
internal sealed class TumblingWindows(long size, long offset) : WindowAssigner
{
    public long Size { get; } = size;

    public long Offset { get; } = offset;

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => 1;

    internal override int AssignWindows(long timestamp, Span<Window> destination)
    {
        long start = EventTime.FloorToBoundary(timestamp, Size, Offset);
        destination[0] = new Window(start, EventTime.SaturatingAdd(start, Size));
        return 1;
    }

    public override string ToString() => $"Tumbling({TimeSpan.FromTicks(Size)}, offset {TimeSpan.FromTicks(Offset)})";
}
