using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

/// <summary>A windowing table function not yet applied: its assigner, and the columns it adds after the table's.</summary>
internal sealed record PendingWindow(WindowKind Kind, WindowAssigner Assigner, long SizeTicks, long SlideTicks, IReadOnlyList<ColumnExpr> PartitionBy, string Text);

/// <summary>What a FROM clause gives: a stream of rows, the columns in scope, whether it ends, and its time attribute.</summary>
internal sealed class Relation(RowStream stream, Scope scope, int width, bool bounded, int? timeColumn, PendingWindow? window)
{
    public RowStream Stream { get; set; } = stream;

    public Scope Scope { get; } = scope;

    /// <summary>How many values a row of <see cref="Stream"/> has (the window columns are in scope but not yet in the row while <see cref="Window"/> is pending).</summary>
    public int Width { get; set; } = width;

    public bool Bounded { get; } = bounded;

    public int? TimeColumn { get; } = timeColumn;

    public PendingWindow? Window { get; set; } = window;

    /// <summary>The tables read, for error messages ("the unbounded table 'clicks'").</summary>
    public List<string> Tables { get; } = [];
}
