using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Pipelines;

/// <summary>
/// The entries a <see cref="MapState{TMapKey, TMapValue}"/> holds for the key being processed: a read-only view of the
/// key's map (later changes to the state show through it). A <c>foreach</c> over it, its <see cref="Keys"/> or its
/// <see cref="Values"/> allocates nothing; as an <see cref="IReadOnlyDictionary{TKey, TValue}"/> it works with LINQ
/// and anything else that takes one.
/// </summary>
/// <typeparam name="TMapKey">The map's key type.</typeparam>
/// <typeparam name="TMapValue">The map's value type.</typeparam>
public readonly struct MapStateEntries<TMapKey, TMapValue> : IReadOnlyDictionary<TMapKey, TMapValue>
    where TMapKey : notnull
{
    private static readonly Dictionary<TMapKey, TMapValue> None = [];

    private readonly Dictionary<TMapKey, TMapValue>? _map;

    internal MapStateEntries(Dictionary<TMapKey, TMapValue>? map) => _map = map;

    private Dictionary<TMapKey, TMapValue> Map => _map ?? None;

    /// <summary>How many entries there are.</summary>
    public int Count => _map?.Count ?? 0;

    /// <summary>The value of <paramref name="key"/>; throws <see cref="KeyNotFoundException"/> when the map has none.</summary>
    /// <param name="key">The map key.</param>
    public TMapValue this[TMapKey key] => Map[key];

    /// <summary>The map's keys.</summary>
    public Dictionary<TMapKey, TMapValue>.KeyCollection Keys => Map.Keys;

    /// <summary>The map's values.</summary>
    public Dictionary<TMapKey, TMapValue>.ValueCollection Values => Map.Values;

    IEnumerable<TMapKey> IReadOnlyDictionary<TMapKey, TMapValue>.Keys => Keys;

    IEnumerable<TMapValue> IReadOnlyDictionary<TMapKey, TMapValue>.Values => Values;

    /// <summary>Whether the map has <paramref name="key"/>.</summary>
    /// <param name="key">The map key.</param>
    public bool ContainsKey(TMapKey key) => _map is { } map && map.ContainsKey(key);

    /// <summary>Reads an entry.</summary>
    /// <param name="key">The map key.</param>
    /// <param name="value">Its value, when present.</param>
    public bool TryGetValue(TMapKey key, [MaybeNullWhen(false)] out TMapValue value) => Map.TryGetValue(key, out value);

    /// <summary>Enumerates the entries without allocating; changing the state while enumerating throws, as for a <see cref="Dictionary{TKey, TValue}"/>.</summary>
    /// <returns>The enumerator.</returns>
    public Dictionary<TMapKey, TMapValue>.Enumerator GetEnumerator() => Map.GetEnumerator();

    IEnumerator<KeyValuePair<TMapKey, TMapValue>> IEnumerable<KeyValuePair<TMapKey, TMapValue>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
