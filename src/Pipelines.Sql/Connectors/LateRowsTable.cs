namespace Pipelines.Sql.Connectors;

/// <summary>
/// The rows a windowed GROUP BY found too late for their window (behind the watermark by more than the allowed
/// lateness), as a table the next statements can read: <c>SET 'table.exec.late-rows' = 'name'</c>. Its columns are
/// the columns of the aggregated input; its rows keep their event time. A bounded run has no late rows (the
/// watermark stays behind every row until the input ends), so there the table is empty.
/// </summary>
internal sealed class LateRowsTable(string name, SqlSchema schema, int? timeColumn, bool isBounded, PipelineBuilder owner, DataStream<Row> rows, string from)
    : SqlTableSource(name, schema, timeColumn, isBounded)
{
    public override string Describe() => $"late rows of the windowed GROUP BY over {from}";

    public override DataStream<Row> Open(PipelineBuilder builder) =>
        ReferenceEquals(builder, owner)
            ? rows
            : throw new SqlException($"table '{Name}' holds the late rows of a query of this script; it cannot be read by EXPLAIN or another pipeline.");
}
