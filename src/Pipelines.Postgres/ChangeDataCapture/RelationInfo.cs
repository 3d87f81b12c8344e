using Npgsql.Replication.PgOutput.Messages;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>A relation's name and columns as the stream (or the snapshot) announced them; rows of one relation share its column arrays.</summary>
internal sealed record RelationInfo(string Table, string[] Columns, bool[] IsKey, string[] KeyColumns)
{
    public static RelationInfo From(RelationMessage relation)
    {
        var columns = relation.Columns.Select(c => c.ColumnName).ToArray();
        var isKey = relation.Columns.Select(c => (c.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0).ToArray();
        return new(relation.Namespace + "." + relation.RelationName, columns, isKey, [.. columns.Where((_, i) => isKey[i])]);
    }
}
