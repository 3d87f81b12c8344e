namespace Pipelines.Sql;

/// <summary>
/// A compiled SELECT: its rows as a <see cref="DataStream{T}"/> of the environment's builder (connect it to a
/// sink, or keep building on it), its columns, and whether it ends.
/// </summary>
public sealed class SqlQuery
{
    private readonly Func<IEnumerable<Row>, List<Row>>? _finish;

    internal SqlQuery(DataStream<Row> stream, SqlSchema schema, bool isBounded, string plan, Func<IEnumerable<Row>, List<Row>>? finish)
    {
        Stream = stream;
        Schema = schema;
        IsBounded = isBounded;
        Plan = plan;
        _finish = finish;
    }

    /// <summary>The result rows. For a windowed aggregation, one row per pane (one per window and key unless early or late results are set).</summary>
    public DataStream<Row> Stream { get; }

    /// <summary>The result's columns: SELECT aliases, or the names of the columns selected.</summary>
    public SqlSchema Schema { get; }

    /// <summary>Whether every table the query reads ends.</summary>
    public bool IsBounded { get; }

    /// <summary>The operators the query was compiled to, one per line.</summary>
    public string Plan { get; }

    /// <summary>Whether the query has ORDER BY or LIMIT, which <see cref="Finish"/> applies to the collected rows.</summary>
    public bool NeedsFinish => _finish is not null;

    /// <summary>Applies the query's ORDER BY and LIMIT to all of its rows (bounded queries only); returns them unchanged otherwise.</summary>
    /// <param name="rows">Every row the stream produced.</param>
    public IReadOnlyList<Row> Finish(IEnumerable<Row> rows) => _finish is null ? rows.ToList() : _finish(rows);
}
