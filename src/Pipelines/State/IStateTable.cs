namespace Pipelines.State;

/// <summary>What a <see cref="KeyedStateStore{TKey}"/> needs of each of its tables: clearing a (key, namespace) and enumerating everything.</summary>
internal interface IStateTable<TKey>
    where TKey : notnull
{
    /// <summary>The state's name within its operator.</summary>
    string Name { get; }

    /// <summary>Removes the entry of (<paramref name="key"/>, <paramref name="ns"/>); false when there was none.</summary>
    bool Remove(int key, Window ns);

    /// <summary>Every entry held, for snapshots and inspection.</summary>
    IEnumerable<StateEntry<TKey>> Entries();

    /// <summary>The run ended: drops every entry and gives the table's arrays back to the pool (<see cref="StateArrays"/>), leaving it empty.</summary>
    void ReleaseArrays();
}
