namespace Pipelines.Sql;

/// <summary>A column of a table or query result.</summary>
/// <param name="Name">The column's name (a SELECT alias, or the name of the column it was read from).</param>
/// <param name="Type">The column's type.</param>
public sealed record SqlColumn(string Name, SqlType Type)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} {Type}";
}
