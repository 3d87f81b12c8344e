using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipelines.Sql;
using Spectre.Console;

namespace Pipelines.Cli;

/// <summary>Writes result rows in the chosen format: a table, CSV with a header per result, or one JSON object per row.</summary>
internal sealed class ResultWriter(TextWriter output, OutputFormat format, IAnsiConsole? console) : IDisposable
{
    private readonly Dictionary<int, Table> _tables = [];
    private readonly HashSet<int> _headers = [];

    public void Write(SqlResultSet result, Row row)
    {
        switch (format)
        {
            case OutputFormat.JsonLines:
                output.WriteLine(Sql.Connectors.RowJson.ToJson(row, result.Schema).ToJsonString(JsonOptions));
                break;
            case OutputFormat.Csv:
                if (_headers.Add(result.Index)) output.WriteLine(string.Join(",", result.Schema.Columns.Select(c => Csv(c.Name))));
                output.WriteLine(string.Join(",", Enumerable.Range(0, row.Count).Select(i => row[i] is null ? string.Empty : Csv(Text(row[i])))));
                break;
            default:
                if (!_tables.TryGetValue(result.Index, out var table))
                {
                    table = new Table().Border(TableBorder.Rounded);
                    foreach (var column in result.Schema.Columns) table.AddColumn(new TableColumn(Markup.Escape(column.Name)) { Alignment = column.Type.IsNumeric ? Justify.Right : Justify.Left });
                    _tables[result.Index] = table;
                }
                table.AddRow(Enumerable.Range(0, row.Count).Select(i => Markup.Escape(row[i] is null ? "NULL" : Text(row[i]))).ToArray());
                break;
        }
    }

    /// <summary>Shows the tables (table format), or makes sure text output is written.</summary>
    public void Finish(IReadOnlyList<SqlResultSet> results)
    {
        if (format == OutputFormat.Table)
        {
            foreach (var result in results)
            {
                if (!_tables.TryGetValue(result.Index, out var table))
                {
                    table = new Table().Border(TableBorder.Rounded);
                    foreach (var column in result.Schema.Columns) table.AddColumn(Markup.Escape(column.Name));
                }
                table.Caption = new TableTitle($"{table.Rows.Count} row{(table.Rows.Count == 1 ? string.Empty : "s")}");
                console!.Write(table);
            }
        }
        output.Flush();
    }

    public void Dispose() => output.Dispose();

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Text(object? value) => value switch
    {
        DateTimeOffset t => Sql.Types.SqlValues.FormatTimestamp(t),
        _ => Sql.Types.SqlValues.Format(value),
    };

    private static string Csv(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
