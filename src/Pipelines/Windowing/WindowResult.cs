namespace Pipelines;

/// <summary>
/// One result (pane) of a windowed aggregation for one key and window. A window can produce several panes
/// (early, on-time, late); <see cref="PaneIndex"/> counts them from zero so a sink can upsert by
/// (<see cref="Key"/>, <see cref="Window"/>) and keep the highest index.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The aggregated value type.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="Window">The window.</param>
/// <param name="Value">The aggregate of the elements in the pane (all of the window's elements so far in accumulating mode).</param>
/// <param name="Timing">Early, on time or late.</param>
/// <param name="PaneIndex">Zero for the first pane of this key and window, then one more for each further pane.</param>
public readonly record struct WindowResult<TKey, TValue>(TKey Key, Window Window, TValue Value, PaneTiming Timing, int PaneIndex)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key} {Window} = {Value} ({Timing} #{PaneIndex})";
}
