namespace Pipelines.State.Snapshots;

/// <summary>What a snapshot needs of a state table beyond <see cref="IStateTable{TKey}"/>: its value type, and writing and reading its entries.</summary>
internal interface ISnapshotTable<TKey> : IStateTable<TKey>
    where TKey : notnull
{
    /// <summary>The type of the values held.</summary>
    Type ValueType { get; }

    /// <summary>Writes every entry (key's index within its group, namespace, value) to its key's group.</summary>
    /// <param name="groups">The groups being written.</param>
    /// <param name="codec">A <see cref="StateCodec{T}"/> of <see cref="ValueType"/>.</param>
    void WriteEntries(KeyGroupWriter groups, object codec);

    /// <summary>Adds the entry of (<paramref name="key"/>, <paramref name="ns"/>) with the value read from <paramref name="input"/>.</summary>
    void ReadEntry(int key, Window ns, SnapshotInput input, object codec);
}
