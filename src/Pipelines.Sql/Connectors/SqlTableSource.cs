namespace Pipelines.Sql.Connectors;

/// <summary>A table in the catalog: its columns, its time attribute, and how to read (and maybe write) it.</summary>
internal abstract class SqlTableSource(string name, SqlSchema schema, int? timeColumn, bool isBounded)
{
    public string Name { get; } = name;

    public SqlSchema Schema { get; } = schema;

    /// <summary>The column that holds each row's event time (the WATERMARK FOR column), if any.</summary>
    public int? TimeColumn { get; } = timeColumn;

    public bool IsBounded { get; } = isBounded;

    /// <summary>Where the rows come from, for EXPLAIN and errors.</summary>
    public abstract string Describe();

    /// <summary>The table's rows as a stream of <paramref name="builder"/>, with event time when the table has a time attribute.</summary>
    public abstract DataStream<Row> Open(PipelineBuilder builder);

    /// <summary>The table's rows for the planner: by default the rows of <see cref="Open"/>; a table over typed elements hands those on.</summary>
    public virtual Planning.RowStream OpenRows(PipelineBuilder builder) => Planning.RowStream.Of(Open(builder), [.. Schema.Columns.Select(c => c.Type)]);

    /// <summary>The columns of the primary key (of a versioned table, or declared with PRIMARY KEY … NOT ENFORCED); null for a table without one.</summary>
    public virtual IReadOnlyList<int>? PrimaryKey => null;

    /// <summary>Whether FOR SYSTEM_TIME AS OF a row's event time can read the table: it has a primary key and versions in time.</summary>
    public virtual bool IsVersioned => false;

    /// <summary>A versioned table's changes as a stream of <paramref name="builder"/> with event time (when each version becomes valid), keyed by the primary key's values.</summary>
    public virtual DataStream<Change<Planning.RowKey, Row>> OpenChanges(PipelineBuilder builder) =>
        throw new InvalidOperationException($"table '{Name}' is not versioned.");

    /// <summary>A sink that writes rows of <see cref="Schema"/> to the table (INSERT INTO).</summary>
    public virtual Sink<Row> CreateSink() =>
        throw new SqlException($"table '{Name}' ({Describe()}) cannot be written to: INSERT INTO needs a filesystem table with 'format' = 'json' or 'parquet', or a Kafka table.");
}
