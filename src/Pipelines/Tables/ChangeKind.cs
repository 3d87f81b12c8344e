namespace Pipelines;

/// <summary>What a <see cref="Change{TKey,TRow}"/> does to its key's row.</summary>
public enum ChangeKind
{
    /// <summary>The key gets a row (a table treats it as an upsert: a row already there is replaced).</summary>
    Insert,

    /// <summary>The key's row is replaced (a table treats it as an upsert: a key without a row gets one).</summary>
    Update,

    /// <summary>The key's row is removed.</summary>
    Delete,
}
