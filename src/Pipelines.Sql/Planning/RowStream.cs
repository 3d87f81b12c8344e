using System.Linq.Expressions;
using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Planning;

/// <summary>
/// A relation's rows as the builder carries them: a <see cref="DataStream{T}"/> of whatever element the rows
/// are at that point (a registered stream's element, a window result, a <see cref="Row"/>), and how an
/// expression reads a column of it. WHERE, GROUP BY and the select list compile against the element itself, so
/// nothing is copied into an intermediate row and nothing is boxed on the way.
/// </summary>
internal abstract class RowStream(IReadOnlyList<SqlType> columns)
{
    /// <summary>
    /// For the result of a windowed <see cref="GroupBy"/>: makes the rows too late for their window (input elements
    /// as <see cref="Row"/>s of the input's columns), with their event time. Null otherwise.
    /// </summary>
    public Func<DataStream<Row>>? LateRows { get; protected set; }

    /// <summary>The SQL type of each column of an element, by position.</summary>
    public IReadOnlyList<SqlType> Columns { get; } = columns;

    /// <summary>The parameter that compiled expressions over this stream's element take.</summary>
    public abstract ParameterExpression Parameter { get; }

    /// <summary>Reads a column of <see cref="Parameter"/>.</summary>
    public abstract ColumnReader Reader { get; }

    /// <summary>The elements as <see cref="Row"/>s of every column, for the operators that work on rows (joins, window columns).</summary>
    public abstract DataStream<Row> ToRows();

    /// <summary>Keeps the elements for which <paramref name="condition"/> (over <see cref="Parameter"/>) is TRUE.</summary>
    public abstract RowStream Where(Typed condition, string name);

    /// <summary>Makes a row of the result from each element.</summary>
    public abstract DataStream<Row> Select(Expression row, string name);

    /// <summary>Groups, windows and aggregates; the result's columns are laid out as <see cref="GroupSpec"/> says.</summary>
    public abstract RowStream GroupBy(GroupSpec spec);

    /// <summary>
    /// The row <paramref name="row"/> makes of the element type's default value — for a <see cref="GroupBy"/> result,
    /// the group that received no element — or null when <paramref name="condition"/> does not hold for it.
    /// </summary>
    public abstract Row? RowOfDefault(Expression row, Typed? condition);

    /// <summary>A stream of rows whose values are the columns in order.</summary>
    public static RowStream Of(DataStream<Row> rows, IReadOnlyList<SqlType> columns) =>
        new RowStream<Row>(rows, columns, (row, index, type) => ExpressionBinder.ReadColumn(row, index, type));
}
