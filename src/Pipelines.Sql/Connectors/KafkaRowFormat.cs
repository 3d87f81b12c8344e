using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Pipelines.Sql.Types;

namespace Pipelines.Sql.Connectors;

/// <summary>
/// A Kafka table's record values to and from rows: <c>'format' = 'json'</c> (one JSON object per record, keys are
/// column names) or <c>'format' = 'csv'</c> (one line per record, fields by position, no header).
/// </summary>
internal sealed class KafkaRowFormat(string table, SqlSchema schema, string format, char delimiter) : IDeserializer<Row>
{
    public Row Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull) throw new FormatException($"table '{table}': the record has no value");
        if (format == "json")
        {
            var reader = new Utf8JsonReader(data);
            try
            {
                using var document = JsonDocument.ParseValue(ref reader);
                return RowJson.FromJson(document.RootElement, schema, table);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"table '{table}': the value is not JSON: {ex.Message}", ex);
            }
        }
        var fields = CsvLine.Split(Encoding.UTF8.GetString(data), delimiter);
        if (fields.Count != schema.Columns.Count)
        {
            throw new FormatException($"table '{table}': the CSV value has {fields.Count} fields, the table has {schema.Columns.Count} columns ({string.Join(", ", schema.Columns.Select(c => c.Name))})");
        }
        var values = new object?[fields.Count];
        for (int c = 0; c < values.Length; c++)
        {
            try
            {
                values[c] = fields[c] is { } text ? SqlValues.Parse(text, schema.Columns[c].Type) : null;
            }
            catch (FormatException ex)
            {
                throw new FormatException($"table '{table}', column '{schema.Columns[c].Name}': {ex.Message}", ex);
            }
        }
        return new Row(values);
    }

    /// <summary>The record value of a row: a JSON object, or a CSV line (NULL as an empty field, text quoted when needed).</summary>
    public string Serialize(Row row)
    {
        if (format == "json") return RowJson.ToJson(row, schema).ToJsonString();
        var line = new StringBuilder();
        for (int c = 0; c < schema.Columns.Count; c++)
        {
            if (c > 0) line.Append(delimiter);
            if (row[c] is not { } value) continue;
            string text = SqlValues.Format(value);
            if (text.Length == 0 || text.Contains(delimiter) || text.Contains('"') || text.Contains('\n') || text.Contains('\r'))
            {
                line.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(text);
            }
        }
        return line.ToString();
    }
}
