using Pipelines.Sql.Planning;

namespace Pipelines.Sql.Connectors;

/// <summary>
/// A table of CREATE TABLE with PRIMARY KEY (…) NOT ENFORCED: read as its rows like any table, and, with a time
/// attribute, a versioned table for FOR SYSTEM_TIME AS OF — each row the upsert of its key from its time on.
/// </summary>
internal sealed class KeyedTable(SqlTableSource inner, int[] primaryKey) : SqlTableSource(inner.Name, inner.Schema, inner.TimeColumn, inner.IsBounded)
{
    public override IReadOnlyList<int> PrimaryKey { get; } = primaryKey;

    public override bool IsVersioned => TimeColumn is not null;

    public override string Describe() => $"{inner.Describe()}, primary key ({string.Join(", ", primaryKey.Select(k => Schema.Columns[k].Name))})";

    public override DataStream<Row> Open(PipelineBuilder builder) => inner.Open(builder);

    public override RowStream OpenRows(PipelineBuilder builder) => inner.OpenRows(builder);

    public override Sink<Row> CreateSink() => inner.CreateSink();

    /// <summary>Each row as the upsert of its key, valid from its time attribute (the rows' event time already).</summary>
    public override DataStream<Change<RowKey, Row>> OpenChanges(PipelineBuilder builder)
    {
        int? time = TimeColumn;
        string name = Name, columns = string.Join(", ", primaryKey.Select(k => Schema.Columns[k].Name));
        return inner.Open(builder).Select(row =>
        {
            var key = new object?[primaryKey.Length];
            for (int i = 0; i < key.Length; i++)
            {
                key[i] = row[primaryKey[i]] ?? throw new InvalidDataException($"table '{name}': a row has NULL in its primary key ({columns}).");
            }
            return new Change<RowKey, Row>(ChangeKind.Update, new RowKey(key), row, time is int t && row[t] is DateTimeOffset at ? at : default);
        }).Named($"{name} upserts by primary key");
    }
}
