using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Connectors;

/// <summary>Makes the table of a CREATE TABLE statement: its schema, time attribute, watermark and connector.</summary>
internal static class TableFactory
{
    public static SqlTableSource Create(CreateTableStatement create, string baseDirectory)
    {
        var duplicate = create.Columns.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw SqlException.At(duplicate.Last().Position, $"column '{duplicate.Key}' is declared twice.");
        if (create.Columns.Count == 0) throw SqlException.At(create.Position, "a table needs at least one column.");
        var schema = new SqlSchema(create.Columns.Select(c => new SqlColumn(c.Name, c.Type)).ToList());
        int? timeColumn = null;
        WatermarkStrategy? watermark = null;
        if (create.Watermark is { } wm)
        {
            int index = schema.IndexOf(wm.Column);
            if (index < 0) throw SqlException.At(wm.Position, $"WATERMARK FOR {wm.Column}: unknown column '{wm.Column}'{Suggestions.DidYouMean(wm.Column, schema.Columns.Select(c => c.Name))}");
            if (!schema.Columns[index].Type.IsTimestamp)
            {
                throw SqlException.At(wm.Position, $"WATERMARK FOR {wm.Column}: the time attribute must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not {schema.Columns[index].Type}.");
            }
            TimeSpan delay = wm.Expression switch
            {
                ColumnExpr c when string.Equals(c.Name, wm.Column, StringComparison.OrdinalIgnoreCase) => TimeSpan.Zero,
                BinaryExpr { Operator: "-", Left: ColumnExpr c, Right: IntervalExpr i } when string.Equals(c.Name, wm.Column, StringComparison.OrdinalIgnoreCase) => i.Value,
                _ => throw SqlException.At(wm.Expression.Position, $"the watermark must be {wm.Column} - INTERVAL 'n' UNIT (rows up to that late are in time) or {wm.Column}, not {wm.Expression.Text}."),
            };
            timeColumn = index;
            watermark = delay == TimeSpan.Zero ? Watermarks.Monotonic() : Watermarks.BoundedOutOfOrderness(delay);
        }
        string connector = create.Options.TryGetValue("connector", out var c2) ? c2.ToLowerInvariant() : string.Empty;
        Func<string, bool> known = connector == "kafka" ? KafkaTable.IsKnownOption : key => FileTable.KnownOptions.Contains(key, StringComparer.OrdinalIgnoreCase);
        string[] names = connector == "kafka" ? [.. KafkaTable.KnownOptions, "properties.*"] : FileTable.KnownOptions;
        foreach (var key in create.Options.Keys)
        {
            if (!known(key))
            {
                throw SqlException.At(create.Position, $"table '{create.Name}': unknown option '{key}'{Suggestions.DidYouMean(key, names)} Options: {string.Join(", ", names)}.");
            }
        }
        int[]? primaryKey = null;
        if (create.PrimaryKey is { } pk)
        {
            primaryKey = [.. pk.Columns.Select(column => schema.IndexOf(column) is int index and >= 0
                ? index
                : throw SqlException.At(pk.Position, $"PRIMARY KEY: unknown column '{column}'{Suggestions.DidYouMean(column, schema.Columns.Select(c => c.Name))}"))];
            if (primaryKey.Distinct().Count() != primaryKey.Length) throw SqlException.At(pk.Position, "PRIMARY KEY names a column twice.");
        }
        try
        {
            SqlTableSource table = connector switch
            {
                "filesystem" => new FileTable(create.Name, schema, timeColumn, watermark, create.Options, baseDirectory),
                "kafka" => new KafkaTable(create.Name, schema, timeColumn, watermark, create.Options),
                "" => throw new SqlException($"table '{create.Name}' needs WITH ('connector' = 'filesystem', 'path' = …, 'format' = 'csv' | 'json' | 'parquet') or WITH ('connector' = 'kafka', 'topic' = …, 'properties.bootstrap.servers' = …, 'format' = 'json' | 'csv')."),
                _ => throw new SqlException($"table '{create.Name}': unknown connector '{connector}'{Suggestions.DidYouMean(connector, ["filesystem", "kafka"])} Connectors: 'filesystem', 'kafka'."),
            };
            return primaryKey is null ? table : new KeyedTable(table, primaryKey);
        }
        catch (SqlException ex) when (ex.Line == 0)
        {
            throw SqlException.At(create.Position, ex.Message);
        }
    }
}
