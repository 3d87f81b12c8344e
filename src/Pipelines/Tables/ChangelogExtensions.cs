namespace Pipelines;

/// <summary>Turns changelog streams into tables.</summary>
public static class ChangelogExtensions
{
    /// <summary>
    /// The table whose rows these changes insert, update and delete, keyed by <see cref="Change{TKey,TRow}.Key"/>.
    /// For a temporal join the changes need event time (the time each version becomes valid), usually
    /// <c>WithEventTime(c =&gt; c.Time, …)</c> or a source that provides it.
    /// </summary>
    /// <typeparam name="TKey">The row's key.</typeparam>
    /// <typeparam name="TRow">The row type.</typeparam>
    /// <param name="changes">The changelog.</param>
    public static Table<TKey, TRow> ToTable<TKey, TRow>(this DataStream<Change<TKey, TRow>> changes)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(changes);
        changes.Builder.EnsureOpen();
        return new Table<TKey, TRow>(changes);
    }
}
