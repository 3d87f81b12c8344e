using Pipelines.Time;

namespace Pipelines.Windowing;

/// <summary>
/// Windows that grow by <c>step</c> from a start on the <c>size</c> grid until they are <c>size</c> long:
/// <c>[s, s + step)</c>, <c>[s, s + 2·step)</c>, …, <c>[s, s + size)</c> with <c>s = offset + k·size</c>. An element at
/// <c>t</c> belongs to every one of them that ends after <c>t</c>, so each fires a running total of its period so far.
/// The windows share their start and differ in their end.
/// </summary>
internal sealed class CumulatingWindows(long step, long size, long offset) : WindowAssigner
{
    public long Step { get; } = step;

    public long Size { get; } = size;

    public long Offset { get; } = offset;

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => (int)(Size / Step);

    internal override int AssignWindows(long timestamp, Span<Window> destination)
    {
        long start = EventTime.FloorToBoundary(timestamp, Size, Offset);
        long steps = Size / Step;
        int n = 0;
        for (long k = (timestamp - start) / Step + 1; k <= steps; k++)
        {
            destination[n++] = new Window(start, EventTime.SaturatingAdd(start, k * Step));
        }

        return n;
    }

    public override string ToString() => $"Cumulating({TimeSpan.FromTicks(Step)} steps up to {TimeSpan.FromTicks(Size)}, offset {TimeSpan.FromTicks(Offset)})";
}
