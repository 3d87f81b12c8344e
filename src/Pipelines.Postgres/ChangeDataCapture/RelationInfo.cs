using Npgsql.Replication.PgOutput.Messages;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// A relation's name and columns as the stream (or the snapshot) announced them, and which of them a row is read
/// with (<see cref="Read"/>: the key columns and the ones the mapping needs); rows of one relation share its column
/// arrays.
/// </summary>
/// <param name="Table">The table, qualified by its schema.</param>
/// <param name="Columns">Every column, in the order of the stream's tuples.</param>
/// <param name="KeyRead">Whether each column is one of <see cref="KeyColumns"/> (read in rows that carry only the key).</param>
/// <param name="KeyColumns">The columns that identify a row (in errors, and in the old row of a delete or key change).</param>
/// <param name="Read">Whether each column is read into a row.</param>
/// <param name="ReadColumns">The columns a row holds: those <see cref="Read"/>, in order.</param>
/// <param name="Types">The OID of each column's type, as the stream announced it (empty for a snapshot's table).</param>
internal sealed record RelationInfo(string Table, string[] Columns, bool[] KeyRead, string[] KeyColumns, bool[] Read, string[] ReadColumns, uint[] Types)
{
    /// <summary>
    /// A relation the stream announced; <paramref name="needs"/> says which columns other than the key are read. The
    /// key is the replica identity's columns, all of them, as the server marks them. Under <c>REPLICA IDENTITY FULL</c>
    /// it marks every column: then the key is the table's primary key (<paramref name="primaryKey"/>) when it has one —
    /// for a table whose primary key covers every column, the same identity — else the columns the mapping needs.
    /// </summary>
    public static RelationInfo From(RelationMessage relation, Func<string, bool> needs, string[] primaryKey)
    {
        var columns = relation.Columns.Select(c => c.ColumnName).ToArray();
        var isKey = relation.Columns.Select(c => (c.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0).ToArray();
        if (isKey.Length > 0 && Array.TrueForAll(isKey, k => k))
        {
            isKey = primaryKey.Length > 0 ? [.. columns.Select(primaryKey.Contains)] : [.. columns.Select(needs)];
        }

        var read = columns.Select((c, i) => needs(c) || isKey[i]).ToArray();
        return new(
            relation.Namespace + "." + relation.RelationName, columns, isKey, [.. columns.Where((_, i) => isKey[i])], read, [.. columns.Where((_, i) => read[i])],
            [.. relation.Columns.Select(c => c.DataTypeId)]);
    }

    /// <summary>A table of the snapshot, whose rows come from a query: only its name and key are known here.</summary>
    public static RelationInfo Snapshot(string table, string[] keys) => new(table, [], [], keys, [], [], []);
}
