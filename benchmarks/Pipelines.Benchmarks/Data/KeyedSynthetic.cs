using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Data;

/// <summary>An event of the keyed T variants: the synthetic event with its key mapped to another key type.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="Key">One of <see cref="SyntheticData.Keys"/> keys.</param>
/// <param name="Value">A pseudo-random non-negative value.</param>
/// <param name="Timestamp">Event time; events are in time order.</param>
public readonly record struct KeyedEvent<TKey>(TKey Key, long Value, DateTimeOffset Timestamp);

/// <summary>A record key, as users write them: a class with value equality over a string and a number.</summary>
/// <param name="Region">A region name shared by many accounts.</param>
/// <param name="Account">The account number.</param>
public sealed record AccountKey(string Region, int Account) : IComparable<AccountKey>
{
    /// <inheritdoc />
    public int CompareTo(AccountKey? other)
    {
        if (other is null) return 1;
        int c = string.CompareOrdinal(Region, other.Region);
        return c != 0 ? c : Account.CompareTo(other.Account);
    }
}

/// <summary>The key types of the keyed T variants: how a synthetic key (0 … 999) maps to each, and a stable hash of each.</summary>
public static class SyntheticKeys
{
    /// <summary>A sparse <see cref="long"/> beyond the <see cref="int"/> range (no dense-array shortcut applies).</summary>
    public static long Long(int key) => 7_000_000_000L + (key * 1_000_003L);

    /// <summary>A customer id string.</summary>
    public static string String(int key) => $"customer-{key:D6}";

    /// <summary>A deterministic <see cref="System.Guid"/>.</summary>
    public static Guid Guid(int key)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, Hashing.Mix((ulong)key + 0x6A1D));
        BitConverter.TryWriteBytes(bytes[8..], Hashing.Mix((ulong)key + 0xB00C));
        return new Guid(bytes);
    }

    /// <summary>An account record in one of 16 regions.</summary>
    public static AccountKey Record(int key) => new($"region-{key % 16:D2}", key);

    /// <summary>A hash of a key of any of these types that is the same in every process.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    public static ulong StableHash<TKey>(TKey key) => key switch
    {
        int i => (ulong)i,
        long l => (ulong)l,
        string s => Hashing.Of(s),
        Guid g => HashGuid(g),
        AccountKey a => Hashing.Combine(Hashing.Of(a.Region), (ulong)a.Account),
        _ => throw new NotSupportedException($"No stable hash for key type {typeof(TKey)}."),
    };

    private static ulong HashGuid(Guid g)
    {
        Span<byte> bytes = stackalloc byte[16];
        g.TryWriteBytes(bytes);
        return Hashing.Combine(BitConverter.ToUInt64(bytes), BitConverter.ToUInt64(bytes[8..]));
    }

    /// <summary>The synthetic events with their keys mapped by <paramref name="map"/> (one key instance per distinct key).</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="count">How many events.</param>
    /// <param name="map">The key mapping.</param>
    public static KeyedEvent<TKey>[] Generate<TKey>(int count, Func<int, TKey> map)
    {
        var keys = new TKey[SyntheticData.Keys];
        for (int k = 0; k < keys.Length; k++) keys[k] = map(k);
        var source = SyntheticData.Generate(count);
        var events = new KeyedEvent<TKey>[count];
        for (int i = 0; i < count; i++) events[i] = new KeyedEvent<TKey>(keys[source[i].Key], source[i].Value, source[i].Timestamp);
        return events;
    }
}
