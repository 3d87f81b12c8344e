namespace Pipelines.Operators;

/// <summary>State of one (key, window): the accumulator and its pane bookkeeping.</summary>
internal struct WindowSlot<TAcc>
{
    public TAcc Accumulator;

    /// <summary>Index the next pane gets.</summary>
    public int PaneIndex;

    /// <summary>Elements added since the last pane (0 = nothing new).</summary>
    public int SinceLastPane;

    /// <summary>The watermark passed the window's end and the on-time pane (or a late one) was emitted.</summary>
    public bool FiredOnTime;
}
