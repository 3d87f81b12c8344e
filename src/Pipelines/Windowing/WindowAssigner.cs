namespace Pipelines;

/// <summary>
/// Decides which windows an element belongs to. Immutable; create one with <see cref="Windows"/>.
/// </summary>
public abstract class WindowAssigner
{
    private protected WindowAssigner()
    {
    }

    /// <summary>Whether windows of this assigner merge (sessions).</summary>
    internal abstract bool IsMerging { get; }

    /// <summary>The most windows one element can belong to (non-merging assigners).</summary>
    internal abstract int MaxWindowsPerElement { get; }

    /// <summary>Writes the windows containing <paramref name="timestamp"/> into <paramref name="destination"/> in ascending start order; returns how many.</summary>
    internal abstract int AssignWindows(long timestamp, Span<Window> destination);
}
