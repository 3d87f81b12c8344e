namespace Pipelines.State;

/// <summary>
/// The keyed state of one stage worker: its keys and every state table its operator declared. Operators keep
/// values, lists and maps per (key, namespace) here instead of in their own fields, so the whole state can be
/// enumerated (snapshots, tests) and a (key, namespace) dropped from every table in one call.
/// </summary>
internal sealed class KeyedStateStore<TKey>
    where TKey : notnull
{
    private readonly List<IStateTable<TKey>> _tables = [];

    /// <param name="comparer">The key equality given to <c>KeyBy</c>; null for the key type's own.</param>
    public KeyedStateStore(IEqualityComparer<TKey>? comparer = null)
    {
        Comparer = KeyComparers.Normalize(comparer);
        Keys = new KeyTable<TKey>(Comparer);
    }

    /// <summary>The key equality given to <c>KeyBy</c>; null for the key type's own.</summary>
    public IEqualityComparer<TKey>? Comparer { get; }

    /// <summary>The keys held, with their ids.</summary>
    public KeyTable<TKey> Keys { get; }

    /// <summary>The tables declared so far.</summary>
    public IReadOnlyList<IStateTable<TKey>> Tables => _tables;

    /// <summary>Declares a table of one value per (key, namespace).</summary>
    /// <param name="name">Unique within the operator.</param>
    public StateTable<TKey, TValue> Values<TValue>(string name)
    {
        RequireNewName(name);
        var table = new StateTable<TKey, TValue>(name, Keys);
        _tables.Add(table);
        return table;
    }

    /// <summary>
    /// Declares a table of one value per key (namespace <see cref="Namespaces.Global"/> only): a key's value is
    /// found from the key's head alone, without reading its entry.
    /// </summary>
    /// <param name="name">Unique within the operator.</param>
    public StateTable<TKey, TValue> KeyValues<TValue>(string name)
    {
        RequireNewName(name);
        var table = new StateTable<TKey, TValue>(name, Keys, keyOnly: true);
        _tables.Add(table);
        return table;
    }

    /// <summary>Declares a table of one list per (key, namespace).</summary>
    /// <param name="name">Unique within the operator.</param>
    public StateTable<TKey, List<TValue>> Lists<TValue>(string name) => Values<List<TValue>>(name);

    /// <summary>Declares a table of one map per (key, namespace).</summary>
    /// <param name="name">Unique within the operator.</param>
    public StateTable<TKey, Dictionary<TMapKey, TMapValue>> Maps<TMapKey, TMapValue>(string name)
        where TMapKey : notnull => Values<Dictionary<TMapKey, TMapValue>>(name);

    /// <summary>Drops the state of (<paramref name="key"/>, <paramref name="ns"/>) from every table.</summary>
    public void Clear(int key, Window ns)
    {
        foreach (var table in _tables) table.Remove(key, ns);
    }

    /// <summary>The run ended: drops every key and entry and gives their arrays back to the pool (<see cref="StateArrays"/>), leaving the store empty.</summary>
    public void ReleaseArrays()
    {
        foreach (var table in _tables) table.ReleaseArrays();
        Keys.ReleaseArrays();
    }

    /// <summary>Everything held, table by table.</summary>
    public IEnumerable<StateEntry<TKey>> Entries() => _tables.SelectMany(t => t.Entries());

    private void RequireNewName(string name)
    {
        foreach (var table in _tables)
        {
            if (table.Name == name) throw new InvalidOperationException($"State '{name}' is declared twice; state names must be unique within an operator.");
        }
    }
}
