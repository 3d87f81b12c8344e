namespace Pipelines.Windowing;

/// <summary>
/// Tumbling or sliding windows of processing time: an element goes to the windows of the moment it reaches the
/// window operator by the run's <see cref="TimeProvider"/>, not of its event time. <see cref="Grid"/> is the
/// tumbling or sliding assigner that cuts that moment into windows.
/// </summary>
internal sealed class ProcessingTimeWindows(WindowAssigner grid, long slide) : WindowAssigner
{
    public WindowAssigner Grid { get; } = grid;

    /// <summary>The distance between window starts (the size when tumbling).</summary>
    public long Slide { get; } = slide;

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => Grid.MaxWindowsPerElement;

    internal override int AssignWindows(long timestamp, Span<Window> destination) => Grid.AssignWindows(timestamp, destination);

    public override string ToString() => $"ProcessingTime {Grid}";
}
