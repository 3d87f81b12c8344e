namespace Pipelines.Postgres;

/// <summary>Turns captured changes into the core's changelog, so a PostgreSQL table can be joined as a <see cref="Table{TKey,TRow}"/>.</summary>
public static class ChangelogMapping
{
    /// <summary>
    /// The changes as a changelog keyed by <paramref name="key"/>, each valid from its commit time: a snapshot row
    /// or an insert is an insert, an update is an update, a delete is a delete of the key of
    /// <see cref="ChangeRecord{T}.Before"/>. An update that changes the key is a delete of the old key followed by
    /// an insert of the new one. A truncate has no keys and is an error (the element follows the
    /// error policy): filter truncates out where they should be ignored. Follow it with <c>ToTable()</c>.
    /// </summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <typeparam name="TKey">The row's primary key.</typeparam>
    /// <param name="changes">Changes from <see cref="PostgresSources.ChangeDataCapture{T}"/>.</param>
    /// <param name="key">The primary key of a row (for a delete it is read from the old row, which holds at least the key columns).</param>
    public static DataStream<Change<TKey, T>> ToChangelog<T, TKey>(this DataStream<ChangeRecord<T>> changes, Func<T, TKey> key)
        where T : class
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(key);
        return changes.SelectMany(change => Map(change, key));
    }

    /// <summary>The changelog entries of one captured change (two for a key change).</summary>
    internal static IEnumerable<Change<TKey, T>> Map<T, TKey>(ChangeRecord<T> change, Func<T, TKey> key)
        where T : class
        where TKey : notnull
    {
        switch (change.Operation)
        {
            case ChangeOperation.Snapshot:
            case ChangeOperation.Insert:
                yield return Change.Insert(key(After(change)), After(change), change.CommitTime);
                break;
            case ChangeOperation.Update:
                var after = After(change);
                var newKey = key(after);
                if (change.Before is { } before && !EqualityComparer<TKey>.Default.Equals(key(before), newKey))
                {
                    yield return Change.Delete<TKey, T>(key(before), change.CommitTime);
                    yield return Change.Insert(newKey, after, change.CommitTime);
                }
                else
                {
                    yield return Change.Update(newKey, after, change.CommitTime);
                }

                break;
            case ChangeOperation.Delete:
                var removed = change.Before ?? throw new InvalidOperationException(
                    $"A delete from '{change.Table}' at {change.Lsn} carries no old row, so its key is unknown. Give the table a primary key or REPLICA IDENTITY FULL.");
                yield return Change.Delete<TKey, T>(key(removed), change.CommitTime);
                break;
            case ChangeOperation.Truncate:
                throw new InvalidOperationException(
                    $"'{change.Table}' was truncated at {change.Lsn}: a truncate removes every row without naming their keys, so it cannot be a change of the " +
                    "changelog, and the table would keep rows the database no longer has. Filter truncates out before ToChangelog " +
                    "(Where(c => c.Operation != ChangeOperation.Truncate)) where they should be ignored, or restart the pipeline with a new snapshot.");
            default:
                throw new InvalidOperationException($"Unknown change operation {change.Operation} from '{change.Table}'.");
        }
    }

    private static T After<T>(ChangeRecord<T> change)
        where T : class =>
        change.After ?? throw new InvalidOperationException($"A {change.Operation} from '{change.Table}' at {change.Lsn} carries no new row.");
}
