namespace Pipelines.Operators;

/// <summary>One open session of a key: its current bounds and its window state.</summary>
internal sealed class SessionSlot<TAcc>(long start, long end)
{
    public long Start = start;
    public long End = end;
    public WindowSlot<TAcc> State;
}
