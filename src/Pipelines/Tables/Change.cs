namespace Pipelines;

/// <summary>
/// One entry of a changelog: an insert, update or delete of the row with key <see cref="Key"/>. A stream of
/// changes becomes a table with <see cref="ChangelogExtensions.ToTable{TKey,TRow}(DataStream{Change{TKey,TRow}})"/>.
/// </summary>
/// <remarks>
/// <para>A connector maps its own change records to this type with one allocation-free constructor call:
/// the operation, the primary key, the row after the change (for a delete, the row before it when the source
/// knows it, else <c>default</c>; a table ignores it) and the time the change became valid — for change data
/// capture the commit time. A change of a primary key is a delete of the old key followed by an insert of the
/// new one.</para>
/// <para>The version a change makes takes effect at the element's <em>event time</em>, as assigned by the source
/// or by <c>WithEventTime(c =&gt; c.Time, …)</c>; <see cref="Time"/> is carried so that the usual assignment is one
/// lambda. Changes of one key at the same event time are applied in arrival order (the last one wins).</para>
/// </remarks>
/// <typeparam name="TKey">The row's key.</typeparam>
/// <typeparam name="TRow">The row type.</typeparam>
/// <param name="Kind">Insert, update or delete.</param>
/// <param name="Key">The row's key; not null.</param>
/// <param name="Row">The row after the change; for a delete, the removed row or <c>default</c>.</param>
/// <param name="Time">When the change became valid (commit time for change data capture).</param>
public readonly record struct Change<TKey, TRow>(ChangeKind Kind, TKey Key, TRow? Row, DateTimeOffset Time)
    where TKey : notnull
{
    /// <summary>Whether the change removes the key's row.</summary>
    public bool IsDelete => Kind == ChangeKind.Delete;
}

/// <summary>Factories for <see cref="Change{TKey,TRow}"/>.</summary>
public static class Change
{
    /// <summary>A new row for <paramref name="key"/>, valid from <paramref name="time"/>.</summary>
    public static Change<TKey, TRow> Insert<TKey, TRow>(TKey key, TRow row, DateTimeOffset time)
        where TKey : notnull => new(ChangeKind.Insert, key, row, time);

    /// <summary>A replacement row for <paramref name="key"/>, valid from <paramref name="time"/>.</summary>
    public static Change<TKey, TRow> Update<TKey, TRow>(TKey key, TRow row, DateTimeOffset time)
        where TKey : notnull => new(ChangeKind.Update, key, row, time);

    /// <summary>Removes the row of <paramref name="key"/> from <paramref name="time"/> on.</summary>
    public static Change<TKey, TRow> Delete<TKey, TRow>(TKey key, DateTimeOffset time)
        where TKey : notnull => new(ChangeKind.Delete, key, default, time);
}
