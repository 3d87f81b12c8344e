using System.Runtime.CompilerServices;

namespace Pipelines.State;

/// <summary>
/// How keys of one type are hashed and compared, wherever a key is looked up or routed: the stage workers' key
/// tables (<see cref="KeyTable{TKey}"/>) and the edges that send each key to its worker. Without a comparer, value
/// types hash and compare with <see cref="EqualityComparer{T}.Default"/> (devirtualized and inlined by the JIT) and
/// strings compared ordinally with <see cref="StringHash.Fast"/>; a comparer given (or a reference type's default
/// one) is held here, so shared generic code does not look it up for every key, and used for every hash and
/// comparison — so keys the comparer calls equal have one hash, one worker and one state.
/// </summary>
internal readonly struct KeyHash<TKey>
    where TKey : notnull
{
    /// <summary>The hashing of <typeparamref name="TKey"/> under <paramref name="comparer"/> (null: the key type's own equality).</summary>
    public KeyHash(IEqualityComparer<TKey>? comparer)
    {
        // The default comparer of a value type is left null so that the JIT devirtualizes and inlines it; a reference
        // type's default is kept, so that shared generic code does not look it up for every element.
        Comparer = comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default)
            ? (typeof(TKey).IsValueType ? null : EqualityComparer<TKey>.Default)
            : comparer;
        FastStrings = typeof(TKey) == typeof(string) && (ReferenceEquals(Comparer, EqualityComparer<TKey>.Default) || ReferenceEquals(Comparer, StringComparer.Ordinal));
    }

    private KeyHash(IEqualityComparer<TKey>? comparer, bool fastStrings)
    {
        Comparer = comparer;
        FastStrings = fastStrings;
    }

    /// <summary>The comparer hashes and comparisons go through; null for a value type's default equality (inlined).</summary>
    public IEqualityComparer<TKey>? Comparer { get; }

    /// <summary>Keys are strings compared ordinally and hashed with <see cref="StringHash.Fast"/>.</summary>
    public bool FastStrings { get; }

    /// <summary>The same equality with strings hashed by the comparer (randomized for ordinal strings), for a table whose keys were chosen to collide.</summary>
    public KeyHash<TKey> Randomized() => new(Comparer, false);

    /// <summary>The hash code of <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Of(TKey key)
    {
        if (typeof(TKey).IsValueType && Comparer is null) return EqualityComparer<TKey>.Default.GetHashCode(key);
        if (!typeof(TKey).IsValueType && FastStrings) return StringHash.Fast(Unsafe.As<TKey, string>(ref key));
        return Comparer!.GetHashCode(key);
    }

    /// <summary>Whether two keys are the same key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equal(TKey held, TKey key) =>
        typeof(TKey).IsValueType && Comparer is null ? EqualityComparer<TKey>.Default.Equals(held, key) : Comparer!.Equals(held, key);
}
