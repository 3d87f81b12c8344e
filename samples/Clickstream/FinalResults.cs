using Pipelines;

namespace Clickstream;

/// <summary>
/// Upserts panes by (key, window), keeping the one with the highest pane index: with accumulating panes that
/// is each window's final result, under either executor. A sink calls it from one thread at a time.
/// </summary>
public sealed class FinalResults<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<(TKey Key, Window Window), WindowResult<TKey, TValue>> _latest = [];

    public int Panes { get; private set; }

    public IReadOnlyCollection<WindowResult<TKey, TValue>> Results => _latest.Values;

    public Sink<WindowResult<TKey, TValue>> Sink(string name) => Sinks.Action<WindowResult<TKey, TValue>>(Upsert, name);

    /// <summary>Whether both hold the same windows with equal values.</summary>
    public bool SameAs(FinalResults<TKey, TValue> other) =>
        _latest.Count == other._latest.Count
        && _latest.All(kv => other._latest.TryGetValue(kv.Key, out var o) && EqualityComparer<TValue>.Default.Equals(o.Value, kv.Value.Value));

    private void Upsert(WindowResult<TKey, TValue> pane)
    {
        Panes++;
        if (!_latest.TryGetValue((pane.Key, pane.Window), out var seen) || pane.PaneIndex > seen.PaneIndex) _latest[(pane.Key, pane.Window)] = pane;
    }
}
