namespace Pipelines;

/// <summary>
/// A table defined by a changelog: each key's row over event time, as the inserts, updates and deletes of
/// <see cref="ToChangelog"/> make it. A table is a handle for joins (<see cref="DataStream{T}.TemporalJoin{TKey,TRow,TResult}"/>,
/// <see cref="DataStream{T}.LookupJoin{TKey,TRow,TResult}"/>): each join that uses it materializes the rows it
/// needs in its own keyed state (the state store of its stage, so snapshots of keyed state include it), the way
/// Flink's temporal join holds its versioned table.
/// </summary>
/// <typeparam name="TKey">The row's key.</typeparam>
/// <typeparam name="TRow">The row type.</typeparam>
public sealed class Table<TKey, TRow>
    where TKey : notnull
{
    internal Table(DataStream<Change<TKey, TRow>> changes) => Changes = changes;

    internal DataStream<Change<TKey, TRow>> Changes { get; }

    /// <summary>The name of the operator producing the table's changes.</summary>
    public string Name => Changes.Name;

    /// <summary>Whether the changes carry event times (needed by temporal joins).</summary>
    public bool HasEventTime => Changes.HasEventTime;

    /// <summary>
    /// The table as a changelog stream: the changes that define it, as they arrive (an upsert stream when every
    /// change is an insert or update). Nothing is materialized for it.
    /// </summary>
    public DataStream<Change<TKey, TRow>> ToChangelog() => Changes;
}
