using Pipelines.Plan;

namespace Pipelines;

/// <summary>Joins of a stream with a <see cref="Table{TKey,TRow}"/>.</summary>
public partial class DataStream<T>
{
    /// <summary>
    /// Enriches each element with the row of <paramref name="table"/> valid at the element's event time (Flink's
    /// <c>FOR SYSTEM_TIME AS OF</c>): the last insert or update of its key at or before that time, unless a delete
    /// came after it. An element without a valid row is dropped (see <see cref="LeftTemporalJoin{TKey,TRow,TResult}"/>).
    /// Results carry the element's event time.
    /// </summary>
    /// <remarks>
    /// An element waits until the watermark of both inputs reaches its time, so every version up to then has
    /// arrived: a bounded and a streaming run give the same results. The table keeps the versions of each key that
    /// elements not yet late can still ask for — the one valid at the watermark (minus the allowed lateness) and
    /// the newer ones — so its state is one row per live key plus the changes in flight. An element or change whose
    /// time plus <paramref name="allowedLateness"/> is at or behind the watermark is late: it is counted and sent to
    /// <see cref="JoinResultStream{TLeft,TRight,TResult}.LateLeftElements"/> (elements) or <c>LateRightElements</c>
    /// (changes). An element behind the watermark but within the allowed lateness is joined at once; a change within
    /// it only affects the elements that arrive after it. Both inputs need event time.
    /// </remarks>
    /// <typeparam name="TKey">The table's key.</typeparam>
    /// <typeparam name="TRow">The table's row type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="table">The table, from <see cref="ChangelogExtensions.ToTable{TKey,TRow}"/>.</param>
    /// <param name="key">The element's key in the table.</param>
    /// <param name="resultSelector">Combines an element and its row.</param>
    /// <param name="allowedLateness">How far behind the watermark an element or change may still arrive; not negative. Default: none.</param>
    public JoinResultStream<T, Change<TKey, TRow>, TResult> TemporalJoin<TKey, TRow, TResult>(Table<TKey, TRow> table, Func<T, TKey> key, Func<T, TRow, TResult> resultSelector, TimeSpan allowedLateness = default)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddTemporalJoin("TemporalJoin", table, key, keepUnmatched: false, (e, r) => resultSelector(e, r!), allowedLateness);
    }

    /// <summary>
    /// Like <see cref="TemporalJoin{TKey,TRow,TResult}"/>, and an element with no row valid at its event time (none
    /// yet, or deleted) is emitted too, with <c>default</c> for the row.
    /// </summary>
    /// <typeparam name="TKey">The table's key.</typeparam>
    /// <typeparam name="TRow">The table's row type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="table">The table, from <see cref="ChangelogExtensions.ToTable{TKey,TRow}"/>.</param>
    /// <param name="key">The element's key in the table.</param>
    /// <param name="resultSelector">Combines an element and its row, or <c>default</c> when there is none.</param>
    /// <param name="allowedLateness">How far behind the watermark an element or change may still arrive; not negative. Default: none.</param>
    public JoinResultStream<T, Change<TKey, TRow>, TResult> LeftTemporalJoin<TKey, TRow, TResult>(Table<TKey, TRow> table, Func<T, TKey> key, Func<T, TRow?, TResult> resultSelector, TimeSpan allowedLateness = default)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddTemporalJoin("LeftTemporalJoin", table, key, keepUnmatched: true, resultSelector, allowedLateness);
    }

    /// <summary>
    /// Enriches each element, as soon as it arrives, with the latest row of its key that <paramref name="table"/>
    /// has received by then (processing-time semantics, like a lookup in a cache of the table). An element whose
    /// key has no row is dropped (see <see cref="LeftLookupJoin{TKey,TRow,TResult}"/>). Results carry the element's
    /// event time, if any; nothing waits and nothing is late.
    /// </summary>
    /// <remarks>
    /// Not reproducible: which row an element sees depends on how the two inputs interleave, which differs between
    /// runs and between the executors (the bounded executor reads the sources one after another in the order they
    /// were added). Use <see cref="TemporalJoin{TKey,TRow,TResult}"/> when results must not depend on timing.
    /// The table keeps one row per key.
    /// </remarks>
    /// <typeparam name="TKey">The table's key.</typeparam>
    /// <typeparam name="TRow">The table's row type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="table">The table, from <see cref="ChangelogExtensions.ToTable{TKey,TRow}"/>.</param>
    /// <param name="key">The element's key in the table.</param>
    /// <param name="resultSelector">Combines an element and its row.</param>
    public DataStream<TResult> LookupJoin<TKey, TRow, TResult>(Table<TKey, TRow> table, Func<T, TKey> key, Func<T, TRow, TResult> resultSelector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddLookupJoin("LookupJoin", table, key, keepUnmatched: false, (e, r) => resultSelector(e, r!));
    }

    /// <summary>
    /// Like <see cref="LookupJoin{TKey,TRow,TResult}"/>, and an element whose key has no row when it arrives is
    /// emitted too, with <c>default</c> for the row. Not reproducible between runs and executors.
    /// </summary>
    /// <typeparam name="TKey">The table's key.</typeparam>
    /// <typeparam name="TRow">The table's row type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="table">The table, from <see cref="ChangelogExtensions.ToTable{TKey,TRow}"/>.</param>
    /// <param name="key">The element's key in the table.</param>
    /// <param name="resultSelector">Combines an element and its row, or <c>default</c> when there is none.</param>
    public DataStream<TResult> LeftLookupJoin<TKey, TRow, TResult>(Table<TKey, TRow> table, Func<T, TKey> key, Func<T, TRow?, TResult> resultSelector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return AddLookupJoin("LeftLookupJoin", table, key, keepUnmatched: true, resultSelector);
    }

    private JoinResultStream<T, Change<TKey, TRow>, TResult> AddTemporalJoin<TKey, TRow, TResult>(string verb, Table<TKey, TRow> table, Func<T, TKey> key, bool keepUnmatched, Func<T, TRow?, TResult> selector, TimeSpan allowedLateness)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(key);
        if (allowedLateness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(allowedLateness), allowedLateness, "Allowed lateness must not be negative; use TimeSpan.Zero for none.");
        }

        RequireSameBuilder(table.Changes, nameof(table));
        if (!HasEventTime)
        {
            throw new InvalidOperationException(
                $"{verb} on stream '{Name}' needs event time, and its elements have none: call WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(...)) first, or use LookupJoin for processing-time lookups.");
        }

        if (!table.HasEventTime)
        {
            throw new InvalidOperationException(
                $"{verb} with table '{table.Name}' needs event time on its changes (when each version becomes valid): call WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(...)) on the changelog before ToTable.");
        }

        var node = new TableJoinNode<T, TKey, TRow, TResult>(Builder.NextId, verb, Node, key, table.Changes.Node, temporal: true, keepUnmatched, allowedLateness.Ticks, selector);
        return new JoinResultStream<T, Change<TKey, TRow>, TResult>(Builder, Builder.Add(node), node);
    }

    private DataStream<TResult> AddLookupJoin<TKey, TRow, TResult>(string verb, Table<TKey, TRow> table, Func<T, TKey> key, bool keepUnmatched, Func<T, TRow?, TResult> selector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(key);
        RequireSameBuilder(table.Changes, nameof(table));
        var node = new TableJoinNode<T, TKey, TRow, TResult>(Builder.NextId, verb, Node, key, table.Changes.Node, temporal: false, keepUnmatched, 0, selector);
        return new DataStream<TResult>(Builder, Builder.Add(node));
    }
}
