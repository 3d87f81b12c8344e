using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Pipelines.Files;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Types;

namespace Pipelines.Sql.Connectors;

/// <summary>
/// A table of files (<c>'connector' = 'filesystem'</c>) in CSV, JSON Lines or Parquet, read and written through
/// Pipelines.Files. Bounded unless <c>'source.monitor-interval'</c> is set, which follows the files as they grow.
/// </summary>
internal sealed class FileTable : SqlTableSource
{
    internal static readonly string[] KnownOptions = ["connector", "path", "format", "csv.header", "csv.field-delimiter", "source.monitor-interval", "sink.rolling-policy.file-size"];

    private readonly string _path;
    private readonly string _format;
    private readonly bool _header;
    private readonly char _delimiter;
    private readonly TimeSpan? _monitor;
    private readonly long? _rollBytes;
    private readonly WatermarkStrategy? _watermark;

    public FileTable(string name, SqlSchema schema, int? timeColumn, WatermarkStrategy? watermark, IReadOnlyDictionary<string, string> options, string baseDirectory)
        : base(name, schema, timeColumn, !options.ContainsKey("source.monitor-interval"))
    {
        string Required(string key) => options.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v)
            ? v
            : throw new SqlException($"table '{name}' needs the option '{key}' (WITH ('connector' = 'filesystem', 'path' = 'data/{name}.csv', 'format' = 'csv')).");

        _watermark = watermark;
        _path = Path.GetFullPath(Required("path"), baseDirectory);
        _format = Required("format").ToLowerInvariant();
        if (_format is not ("csv" or "json" or "parquet"))
        {
            throw new SqlException($"table '{name}': unknown format '{_format}'{Suggestions.DidYouMean(_format, ["csv", "json", "parquet"])} Formats: 'csv', 'json' (JSON Lines), 'parquet'.");
        }
        _header = !options.TryGetValue("csv.header", out var header) || !string.Equals(header, "false", StringComparison.OrdinalIgnoreCase);
        _delimiter = options.TryGetValue("csv.field-delimiter", out var d) ? CsvDelimiter.Parse(name, d) : ',';
        if (options.TryGetValue("source.monitor-interval", out var monitor))
        {
            try
            {
                _monitor = Planning.SqlSettings.ParseDuration(monitor);
            }
            catch (FormatException)
            {
                throw new SqlException($"table '{name}': 'source.monitor-interval' = '{monitor}' is not a duration such as '1 s'.");
            }
        }
        if (options.TryGetValue("sink.rolling-policy.file-size", out var size))
        {
            _rollBytes = long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) && bytes > 0
                ? bytes
                : throw new SqlException($"table '{name}': 'sink.rolling-policy.file-size' = '{size}' is not a positive number of bytes.");
        }
        if (_format == "parquet" && _monitor is not null) throw new SqlException($"table '{name}': Parquet files are read whole; 'source.monitor-interval' is for CSV and JSON files.");
    }

    public override string Describe() => $"{_format} {_path}{(_monitor is null ? string.Empty : $" (followed every {_monitor})")}";

    public override DataStream<Row> Open(PipelineBuilder builder)
    {
        // A directory (what INSERT INTO writes, and Flink's filesystem tables) is read as every file in it; the
        // sinks' files in progress start with '.', which '*' does not match.
        string path = Directory.Exists(_path) || Path.EndsInDirectorySeparator(_path) ? Path.Combine(_path, "*") : _path;
        var fileOptions = new FileSourceOptions { Follow = _monitor is not null, PollInterval = _monitor ?? TimeSpan.FromMilliseconds(250) };
        DataStream<Row> rows;
        string name = Name;
        var schema = Schema;
        switch (_format)
        {
            case "csv":
                CsvFields.EnsureRegistered();
                var csv = new CsvReaderOptions { HasHeader = _header, Separator = _delimiter };
                var mapping = new CsvRowMapping(schema, name, _header);
                rows = _header
                    ? builder.From(FileSources.Csv<NamedCsvFields>(path, fileOptions, csv, $"table {name}: csv {_path}")).Named($"read {_path}").Select(mapping.ToRow)
                    : builder.From(FileSources.Csv<PositionalCsvFields>(path, fileOptions, csv, $"table {name}: csv {_path}")).Named($"read {_path}").Select(mapping.ToRow);
                break;
            case "json":
                rows = builder.From(FileSources.JsonLines<JsonElement>(path, fileOptions, name: $"table {name}: json {_path}")).Named($"read {_path}").Select(e => RowJson.FromJson(e, schema, name));
                break;
            default:
                rows = builder.From(FileSources.Parquet(path, $"table {name}: parquet {_path}")).Named($"read {_path}").Select(new ParquetRows.Reader(schema, name).ToRow);
                break;
        }
        rows = rows.Named($"table {name}: {_format} to row");
        if (TimeColumn is int column && _watermark is not null)
        {
            string columnName = schema.Columns[column].Name;
            rows = rows.WithEventTime(row => row[column] as DateTimeOffset? ?? throw new InvalidDataException($"table '{name}': the time column '{columnName}' is NULL"), _watermark)
                .Named($"table {name}: event time {columnName}");
        }
        return rows;
    }

    public override Sink<Row> CreateSink()
    {
        var options = new FileSinkOptions { MaxFileBytes = _rollBytes ?? 128L * 1024 * 1024 };
        var schema = Schema;
        return _format switch
        {
            "json" => new MappedSink<Row, JsonObject>(FileSinks.JsonLines<JsonObject>(_path, options, name: $"table {Name}: json {_path}"), row => RowJson.ToJson(row, schema)),
            "parquet" => ParquetSink(options),
            _ => throw new SqlException($"table '{Name}': INSERT INTO writes 'format' = 'json' or 'parquet' files; csv output is not supported."),
        };
    }

    private MappedSink<Row, ParquetRecord> ParquetSink(FileSinkOptions options)
    {
        var columns = ParquetRows.Columns(Schema);
        return new MappedSink<Row, ParquetRecord>(FileSinks.Parquet(_path, columns, options, name: $"table {Name}: parquet {_path}"), row => ParquetRows.ToRecord(row, columns));
    }

    /// <summary>Finds each table column in a file's header (by name, case-insensitive) or by position without a header.</summary>
    private sealed class CsvRowMapping(SqlSchema schema, string table, bool byName)
    {
        // The header and the positions it gives, swapped as one reference: the selector may run on several threads.
        private Tuple<string[], int[]>? _current;

        public Row ToRow(CsvFields fields)
        {
            var current = _current;
            if (current is null || !ReferenceEquals(fields.Header, current.Item1))
            {
                current = Tuple.Create(fields.Header, byName ? Positions(fields) : Enumerable.Range(0, schema.Columns.Count).ToArray());
                _current = current;
            }
            var positions = current.Item2;
            var values = new object?[positions.Length];
            for (int c = 0; c < values.Length; c++)
            {
                int p = positions[c];
                if (p >= fields.Values.Length) throw new FormatException($"table '{table}': the record has {fields.Values.Length} fields, but column '{schema.Columns[c].Name}' is field {p + 1}");
                try
                {
                    values[c] = SqlValues.Parse(fields.Values[p], schema.Columns[c].Type);
                }
                catch (FormatException ex)
                {
                    throw new FormatException($"table '{table}', column '{schema.Columns[c].Name}': {ex.Message}", ex);
                }
            }
            return new Row(values);
        }

        private int[] Positions(CsvFields fields)
        {
            var positions = new int[schema.Columns.Count];
            for (int c = 0; c < positions.Length; c++)
            {
                positions[c] = Array.FindIndex(fields.Header, h => string.Equals(h.Trim(), schema.Columns[c].Name, StringComparison.OrdinalIgnoreCase));
                if (positions[c] < 0)
                {
                    throw new FormatException($"table '{table}': the file's header has no column '{schema.Columns[c].Name}'{Suggestions.DidYouMean(schema.Columns[c].Name, fields.Header)} (header: {string.Join(", ", fields.Header)}; set 'csv.header' = 'false' to read columns by position)");
                }
            }
            return positions;
        }
    }
}
