namespace Pipelines.Sql;

/// <summary>The columns of a table or query result, in order.</summary>
public sealed class SqlSchema
{
    /// <summary>Creates a schema.</summary>
    /// <param name="columns">The columns, in order.</param>
    public SqlSchema(IReadOnlyList<SqlColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
    }

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<SqlColumn> Columns { get; }

    /// <summary>The position of the column called <paramref name="name"/> (case-insensitive), or -1.</summary>
    /// <param name="name">A column name.</param>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", Columns);
}
