namespace Pipelines.Windowing;

/// <summary>
/// Per-key windows of a number of elements (Flink's <c>countWindow</c>): every <see cref="Slide"/> elements of a
/// key, a window of the key's last <see cref="Size"/> elements (tumbling when the slide is the size). They are not
/// time intervals, so <see cref="AssignWindows"/> is not used: <c>Operators.CountWindowAggregate</c> counts.
/// </summary>
internal sealed class CountWindows(int size, int slide) : WindowAssigner
{
    public int Size { get; } = size;

    public int Slide { get; } = slide;

    public bool IsTumbling => Size == Slide;

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => 1;

    internal override int AssignWindows(long timestamp, Span<Window> destination) =>
        throw new InvalidOperationException("Count windows are assigned by counting elements, not by time.");

    public override string ToString() => IsTumbling ? $"Count({Size})" : $"Count({Size} every {Slide})";
}
