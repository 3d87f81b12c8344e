namespace Pipelines.State.Snapshots;

/// <summary>
/// The stable hash and key group of keys of one type. The common key types are hashed from their value
/// (<see cref="StableHash"/>); any other type (enums included) from the bytes its codec writes, into a buffer kept by the hasher, so
/// equal keys must serialize to equal bytes (true of records, tuples and enums through System.Text.Json). Not
/// thread-safe: one per worker.
/// </summary>
internal sealed class KeyHasher<TKey>(StateCodec<TKey> codec, int maxParallelism, Func<TKey, int>? keyGroupOf = null)
    where TKey : notnull
{
    private readonly SnapshotOutput _scratch = new(64);

    /// <summary>The number of key groups.</summary>
    public int MaxParallelism { get; } = maxParallelism;

    /// <summary>The stable hash of <paramref name="key"/>.</summary>
    public uint Hash(TKey key)
    {
        if (StableHash.TryHash(key, out uint hash)) return hash;
        _scratch.Clear();
        codec.Write(_scratch, key);
        return StableHash.Bytes(_scratch.Written);
    }

    /// <summary>The key group of <paramref name="key"/>: its stable hash modulo the groups, or the partition an exchange gives it (<see cref="IPartitionedStateSource"/>).</summary>
    public int KeyGroupOf(TKey key) => keyGroupOf is null ? KeyGroups.Of(Hash(key), MaxParallelism) : keyGroupOf(key);
}
