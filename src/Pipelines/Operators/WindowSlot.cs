namespace Pipelines.Operators;

/// <summary>
/// State of one (key, window): the accumulator and its pane bookkeeping. The element count since the last pane
/// and the on-time flag share one word, so a window with a <see cref="long"/> accumulator takes 16 bytes.
/// </summary>
internal struct WindowSlot<TAcc>
{
    private const int FiredBit = int.MinValue;

    public TAcc Accumulator;

    /// <summary>Index the next pane gets.</summary>
    public int PaneIndex;

    /// <summary>Elements since the last pane in the low 31 bits; <see cref="FiredBit"/> when fired on time.</summary>
    private int _pending;

    /// <summary>Elements added since the last pane (0 = nothing new).</summary>
    public int SinceLastPane
    {
        readonly get => _pending & int.MaxValue;
        set => _pending = (_pending & FiredBit) | (value & int.MaxValue);
    }

    /// <summary>The watermark passed the window's end and the on-time pane (or a late one) was emitted.</summary>
    public bool FiredOnTime
    {
        readonly get => _pending < 0;
        set => _pending = value ? _pending | FiredBit : _pending & int.MaxValue;
    }

    /// <summary>True when the window has not fired on time yet (the common case of the per-element path).</summary>
    public readonly bool Open => _pending >= 0;

    /// <summary>Counts an added element of a window that is <see cref="Open"/>.</summary>
    public void AddedWhileOpen() => _pending = (_pending + 1) & int.MaxValue;

    /// <summary>Counts an added element.</summary>
    public void Added() => _pending = (_pending & FiredBit) | ((_pending + 1) & int.MaxValue);
}
