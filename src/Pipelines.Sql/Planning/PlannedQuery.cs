namespace Pipelines.Sql.Planning;

/// <summary>A compiled SELECT: its rows, columns, whether it ends, and the sort and limit to apply to its collected rows.</summary>
internal sealed record PlannedQuery(DataStream<Row> Stream, SqlSchema Schema, bool Bounded, Func<IEnumerable<Row>, List<Row>>? Finish);
