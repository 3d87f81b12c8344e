namespace Pipelines.Postgres.Writing;

/// <summary>
/// The SQL text that depends on which of the sink's columns a row writes: every column, or (a
/// <see cref="PostgresRow"/> that leaves some out) fewer, the rest left to the server's defaults.
/// </summary>
internal static class WrittenColumns
{
    /// <summary>The quoted names of the <paramref name="written"/> columns, comma-separated.</summary>
    public static string List(TableColumn[] columns, IEnumerable<int> written) => string.Join(", ", written.Select(c => Sql.Quote(columns[c].Name)));

    /// <summary>
    /// The <c>ON CONFLICT</c> clause of an upsert on <paramref name="keys"/> that writes <paramref name="written"/>:
    /// the written columns that are not keys take the new values; columns left out keep the existing row's.
    /// </summary>
    public static string ConflictClause(TableColumn[] columns, int[] keys, IEnumerable<int> written)
    {
        string keyList = List(columns, keys);
        var updates = written.Where(c => !keys.Contains(c)).Select(c => $"{Sql.Quote(columns[c].Name)} = EXCLUDED.{Sql.Quote(columns[c].Name)}").ToArray();
        return $" ON CONFLICT ({keyList}) " + (updates.Length == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates));
    }

    /// <summary>Every column's index.</summary>
    public static int[] All(TableColumn[] columns) => [.. Enumerable.Range(0, columns.Length)];
}
