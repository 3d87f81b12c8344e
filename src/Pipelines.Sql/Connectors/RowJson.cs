using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Sql.Types;

namespace Pipelines.Sql.Connectors;

/// <summary>Rows to and from JSON objects: keys are column names, numbers are JSON numbers, timestamps ISO-8601 UTC strings.</summary>
internal static class RowJson
{
    public static JsonObject ToJson(Row row, SqlSchema schema)
    {
        var json = new JsonObject();
        for (int i = 0; i < schema.Columns.Count; i++) json[schema.Columns[i].Name] = ToNode(row[i]);
        return json;
    }

    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(SqlValues.Format(d)),
        decimal m => JsonValue.Create(m),
        DateTimeOffset t => JsonValue.Create(SqlValues.FormatTimestamp(t)),
        DateOnly d => JsonValue.Create(SqlValues.Format(d)),
        _ => JsonValue.Create(value.ToString()),
    };

    /// <summary>Reads the table's columns from a JSON object, by key (case-insensitive); missing keys are NULL.</summary>
    public static Row FromJson(JsonElement element, SqlSchema schema, string table)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new FormatException($"table '{table}': a JSON Lines record must be an object, not {element.ValueKind}");
        var values = new object?[schema.Columns.Count];
        foreach (var property in element.EnumerateObject())
        {
            int index = schema.IndexOf(property.Name);
            if (index < 0) continue;
            var type = schema.Columns[index].Type;
            try
            {
                values[index] = Read(property.Value, type);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
            {
                throw new FormatException($"table '{table}', column '{schema.Columns[index].Name}' ({type}): {ex.Message}", ex);
            }
        }
        return new Row(values);
    }

    private static object? Read(JsonElement value, SqlType type) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => SqlValues.Parse(value.GetString(), type),
        JsonValueKind.True or JsonValueKind.False when type.Kind == SqlTypeKind.Boolean => value.GetBoolean(),
        JsonValueKind.Number => type.Kind switch
        {
            SqlTypeKind.Int => value.GetInt32(),
            SqlTypeKind.BigInt => value.GetInt64(),
            SqlTypeKind.Double => value.GetDouble(),
            SqlTypeKind.Decimal => Math.Round(value.GetDecimal(), type.Scale, MidpointRounding.AwayFromZero),
            SqlTypeKind.String => value.GetRawText(),
            SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz => DateTimeOffset.FromUnixTimeMilliseconds(value.GetInt64()),
            _ => throw new FormatException($"{value.GetRawText()} is not a {type}"),
        },
        _ => type.Kind == SqlTypeKind.String ? value.GetRawText() : throw new FormatException($"{value.GetRawText()} is not a {type}"),
    };
}
