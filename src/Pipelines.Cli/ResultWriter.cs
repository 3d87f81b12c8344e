using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipelines.Sql;
using Spectre.Console;

namespace Pipelines.Cli;

/// <summary>
/// Writes result rows in the chosen format: a table, CSV with a header per result, or one JSON object per row.
/// Rows come from the run's sink thread; <see cref="FlushWritten"/> may come from a timer, so every member takes
/// the writer's lock.
/// </summary>
internal sealed class ResultWriter(TextWriter output, OutputFormat format, IAnsiConsole? console) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Table> _tables = [];
    private readonly HashSet<int> _headers = [];
    private bool _unflushed;

    public void Write(SqlResultSet result, Row row)
    {
        lock (_lock)
        {
            WriteRow(result, row);
            _unflushed = format != OutputFormat.Table;
        }
    }

    /// <summary>
    /// Hands the text rows written since the last flush to the output, so a reader of a stream's output (a pipe,
    /// a followed file) sees each row soon after the run emits it, however few rows come.
    /// </summary>
    public void FlushWritten()
    {
        lock (_lock)
        {
            if (!_unflushed) return;
            _unflushed = false;
            output.Flush();
        }
    }

    private void WriteRow(SqlResultSet result, Row row)
    {
        switch (format)
        {
            case OutputFormat.JsonLines:
                output.WriteLine(Sql.Connectors.RowJson.ToJson(row, result.Schema).ToJsonString(JsonOptions));
                break;
            case OutputFormat.Csv:
                if (_headers.Add(result.Index)) output.WriteLine(Header(result));
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
        lock (_lock) FinishLocked(results);
    }

    private void FinishLocked(IReadOnlyList<SqlResultSet> results)
    {
        if (format == OutputFormat.Table)
        {
            // The run's results, with an empty table for one without rows; when the run was stopped before it
            // gave them, the tables of the rows that came.
            var shown = new HashSet<int>();
            foreach (var result in results)
            {
                if (!_tables.TryGetValue(result.Index, out var table))
                {
                    table = new Table().Border(TableBorder.Rounded);
                    foreach (var column in result.Schema.Columns) table.AddColumn(Markup.Escape(column.Name));
                }

                Show(table);
                shown.Add(result.Index);
            }

            foreach (var (index, table) in _tables.OrderBy(t => t.Key))
            {
                if (!shown.Contains(index)) Show(table);
            }
        }
        else if (format == OutputFormat.Csv)
        {
            // A result without rows still has its header: a reader of the file sees the columns, and no rows.
            foreach (var result in results)
            {
                if (_headers.Add(result.Index)) output.WriteLine(Header(result));
            }
        }

        output.Flush();
        _unflushed = false;
    }

    private void Show(Table table)
    {
        table.Caption = new TableTitle($"{table.Rows.Count} row{(table.Rows.Count == 1 ? string.Empty : "s")}");
        console!.Write(table);
    }

    private static string Header(SqlResultSet result) => string.Join(",", result.Schema.Columns.Select(c => Csv(c.Name)));

    public void Dispose()
    {
        lock (_lock) output.Dispose();
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Text(object? value) => value switch
    {
        DateTimeOffset t => Sql.Types.SqlValues.FormatTimestamp(t),
        _ => Sql.Types.SqlValues.Format(value),
    };

    private static string Csv(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
