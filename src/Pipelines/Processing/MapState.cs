using Pipelines.State;

namespace Pipelines;

/// <summary>A map per key; reads and writes the state of the key being processed.</summary>
/// <typeparam name="TMapKey">The map's key type.</typeparam>
/// <typeparam name="TMapValue">The map's value type.</typeparam>
public sealed class MapState<TMapKey, TMapValue>
    where TMapKey : notnull
{
    private readonly IStateCell<Dictionary<TMapKey, TMapValue>> _cell;

    internal MapState(IStateCell<Dictionary<TMapKey, TMapValue>> cell) => _cell = cell;

    /// <summary>How many entries the current key's map holds.</summary>
    public int Count => _cell.Get()?.Count ?? 0;

    /// <summary>The current key's entries (empty when none); a <c>foreach</c> over them allocates nothing.</summary>
    public MapStateEntries<TMapKey, TMapValue> Entries => new(_cell.Get());

    /// <summary>Reads an entry of the current key's map.</summary>
    /// <param name="key">The map key.</param>
    /// <param name="value">Its value, when present.</param>
    public bool TryGetValue(TMapKey key, out TMapValue value)
    {
        if (_cell.Get() is { } map && map.TryGetValue(key, out value!)) return true;
        value = default!;
        return false;
    }

    /// <summary>Whether the current key's map has <paramref name="key"/>.</summary>
    /// <param name="key">The map key.</param>
    public bool ContainsKey(TMapKey key) => _cell.Get() is { } map && map.ContainsKey(key);

    /// <summary>Sets an entry of the current key's map.</summary>
    /// <param name="key">The map key.</param>
    /// <param name="value">The value.</param>
    public void Set(TMapKey key, TMapValue value) => _cell.GetOrCreate(static () => [])[key] = value;

    /// <summary>Removes an entry; the key's map goes when it is empty.</summary>
    /// <param name="key">The map key.</param>
    public bool Remove(TMapKey key)
    {
        if (_cell.Get() is not { } map) return false;
        bool removed = map.Remove(key);
        if (map.Count == 0) _cell.Clear();
        return removed;
    }

    /// <summary>Removes the current key's map.</summary>
    public void Clear() => _cell.Clear();
}
