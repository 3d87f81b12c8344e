using Npgsql.Replication.PgOutput.Messages;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// A relation's name and columns as the stream (or the snapshot) announced them, and which of them a row is read
/// with (<see cref="Read"/>: the key columns and the ones the mapping needs); rows of one relation share its column
/// arrays.
/// </summary>
/// <param name="Table">The table, qualified by its schema.</param>
/// <param name="Columns">Every column, in the order of the stream's tuples.</param>
/// <param name="IsKey">Whether each column is part of the replica identity.</param>
/// <param name="KeyColumns">The replica identity's columns that are read.</param>
/// <param name="Read">Whether each column is read into a row.</param>
/// <param name="ReadColumns">The columns a row holds: those <see cref="Read"/>, in order.</param>
internal sealed record RelationInfo(string Table, string[] Columns, bool[] IsKey, string[] KeyColumns, bool[] Read, string[] ReadColumns)
{
    /// <summary>
    /// A relation the stream announced; <paramref name="needs"/> says which columns other than the key are read. Under
    /// <c>REPLICA IDENTITY FULL</c> the server marks every column as part of the key: then only the needed ones are
    /// read, and they are the key that names a row in errors.
    /// </summary>
    public static RelationInfo From(RelationMessage relation, Func<string, bool> needs)
    {
        var columns = relation.Columns.Select(c => c.ColumnName).ToArray();
        var isKey = relation.Columns.Select(c => (c.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0).ToArray();
        bool everyColumnKey = isKey.Length > 0 && Array.TrueForAll(isKey, k => k);
        var read = columns.Select((c, i) => needs(c) || (isKey[i] && !everyColumnKey)).ToArray();
        return new(
            relation.Namespace + "." + relation.RelationName, columns, isKey, [.. columns.Where((_, i) => isKey[i] && read[i])], read, [.. columns.Where((_, i) => read[i])]);
    }

    /// <summary>A table of the snapshot, whose rows come from a query: only its name and key are known here.</summary>
    public static RelationInfo Snapshot(string table, string[] keys) => new(table, [], [], keys, [], []);
}
