namespace Pipelines.Windowing;

/// <summary>One window spanning all time; it fires at end of input, or earlier through early triggers.</summary>
internal sealed class GlobalWindows : WindowAssigner
{
    public static readonly GlobalWindows Instance = new();

    internal static readonly Window Window = new(long.MinValue, long.MaxValue);

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => 1;

    internal override int AssignWindows(long timestamp, Span<Window> destination)
    {
        destination[0] = Window;
        return 1;
    }

    public override string ToString() => "Global";
}
