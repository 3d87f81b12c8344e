namespace Pipelines.State.Snapshots;

/// <summary>
/// How one stateful operator's state is written: the codec of its keys, of each of its state tables (by name), and
/// the number of key groups. Made once per operator when checkpoints are on; shared by its workers (codecs hold no
/// per-call state).
/// </summary>
internal sealed class StateSchema<TKey>
    where TKey : notnull
{
    private readonly Dictionary<string, object> _tables;

    /// <param name="operatorId">The operator's stable id, written into each snapshot and checked on restore.</param>
    /// <param name="keys">The key codec.</param>
    /// <param name="maxParallelism">The number of key groups.</param>
    /// <param name="tables">A <see cref="StateCodec{T}"/> for each state table, by name.</param>
    /// <param name="keyGroupOf">The key group of a key when it is not the stable hash's: the partition of an exchange (<see cref="IPartitionedStateSource"/>), <paramref name="maxParallelism"/> being the partition count.</param>
    public StateSchema(string operatorId, StateCodec<TKey> keys, int maxParallelism, IReadOnlyDictionary<string, object> tables, Func<TKey, int>? keyGroupOf = null)
    {
        KeyGroupOf = keyGroupOf;
        KeyGroups.Validate(maxParallelism, 1);
        OperatorId = operatorId;
        Keys = keys;
        MaxParallelism = maxParallelism;
        _tables = new Dictionary<string, object>(tables, StringComparer.Ordinal);
    }

    public string OperatorId { get; }

    public StateCodec<TKey> Keys { get; }

    public int MaxParallelism { get; }

    /// <summary>The codec of table <paramref name="table"/>.</summary>
    public object CodecOf(string table) => _tables.TryGetValue(table, out var codec)
        ? codec
        : throw new InvalidOperationException($"Operator '{OperatorId}' has state '{table}' but no serializer for it.");

    /// <summary>A key hasher for one worker.</summary>
    /// <summary>The key-group function when it is not the stable hash's.</summary>
    public Func<TKey, int>? KeyGroupOf { get; }

    /// <summary>The same schema with the key groups of an exchange's partitions.</summary>
    public StateSchema<TKey> WithPartitions(int partitions, Func<TKey, int> partitionOf) => new(OperatorId, Keys, partitions, _tables, partitionOf);

    public KeyHasher<TKey> CreateHasher() => new(Keys, MaxParallelism, KeyGroupOf);
}
