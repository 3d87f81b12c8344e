namespace Pipelines.Sql;

/// <summary>The result of one SELECT of a script.</summary>
public sealed class SqlResultSet
{
    private readonly List<Row> _rows = [];

    internal SqlResultSet(int index, SqlQuery query)
    {
        Index = index;
        Query = query;
    }

    /// <summary>The position of the SELECT among the script's SELECTs, from 0.</summary>
    public int Index { get; }

    /// <summary>The compiled query.</summary>
    public SqlQuery Query { get; }

    /// <summary>The result's columns.</summary>
    public SqlSchema Schema => Query.Schema;

    /// <summary>The rows, when <see cref="SqlRunOptions.CollectRows"/> is set.</summary>
    public IReadOnlyList<Row> Rows => _rows;

    internal List<Row> RowList => _rows;
}
