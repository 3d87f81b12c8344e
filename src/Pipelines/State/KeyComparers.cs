namespace Pipelines.State;

/// <summary>The key equality a <c>KeyBy</c> was given, and where it cannot be honoured.</summary>
internal static class KeyComparers
{
    /// <summary>The comparer to keep: null for the key type's own equality (no comparer, or <see cref="EqualityComparer{T}.Default"/>).</summary>
    public static IEqualityComparer<TKey>? Normalize<TKey>(IEqualityComparer<TKey>? comparer) =>
        comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default) ? null : comparer;

    /// <summary>Whether two keyed inputs (the sides of a join) compare keys alike.</summary>
    public static bool Same<TKey>(IEqualityComparer<TKey>? first, IEqualityComparer<TKey>? second) => Equals(Normalize(first), Normalize(second));

    /// <summary>
    /// Throws when a stage keyed with a comparer would store its state in checkpoints (called as the stage enables
    /// them, before any element): checkpoints group keys (and route them to workers, and to instances by partition)
    /// by their serialized form, which a comparer does not follow — two keys it calls equal may serialize apart, and
    /// land in two workers with two states.
    /// </summary>
    public static void RefuseWithCheckpoints<TKey>(IEqualityComparer<TKey>? comparer, string operatorName)
    {
        if (comparer is null) return;
        throw new InvalidOperationException(
            $"Operator '{operatorName}' compares keys with {comparer.GetType().Name} (KeyBy with a comparer), and this run stores state in checkpoints, "
            + "which group keys by their serialized form: two keys the comparer calls equal could be kept apart. "
            + "Normalize the key in the key selector instead (for example KeyBy(e => e.Region.ToUpperInvariant())), or run without StreamingOptions.CheckpointStorage.");
    }
}
