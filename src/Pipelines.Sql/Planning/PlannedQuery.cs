namespace Pipelines.Sql.Planning;

/// <summary>
/// A compiled SELECT: its rows, columns, whether it ends, the sort and limit to apply to its collected rows, and the
/// columns that are NULL without a type of their own (<c>SELECT NULL</c>; STRING in <see cref="Schema"/>), which an
/// INSERT gives the target column's type.
/// </summary>
internal sealed record PlannedQuery(DataStream<Row> Stream, SqlSchema Schema, bool Bounded, Func<IEnumerable<Row>, List<Row>>? Finish, IReadOnlySet<int> UntypedNulls);
