using System.Text.Json;
using CsvHelper;
using Pipelines.Files.Reading;

namespace Pipelines.Files;

/// <summary>
/// Sources that read files of records: JSON Lines (System.Text.Json) and CSV (CsvHelper), UTF-8 (a byte order
/// mark is skipped), lines ending in LF or CRLF. <c>path</c> is a file, or a pattern with <c>*</c> and <c>?</c>
/// in its file name (<c>logs/*.jsonl</c>); files whose names start with '.' match only a pattern that does.
/// Reads a batch of files to their end by default, or follows them as they grow with
/// <see cref="FileSourceOptions.Follow"/>, with an optional checkpoint to resume where a run stopped. The
/// source's position is a <see cref="FilePosition"/>: resume at one saved elsewhere with
/// <see cref="Source{T, TPosition}.ResumeFrom"/>.
/// </summary>
/// <remarks>
/// Blank lines are not records. A record that cannot be read is never dropped silently: it follows the error
/// policy of the source's stream (<c>OnError</c> right after <see cref="PipelineBuilder.From{T}"/>, else the
/// pipeline's). Under <see cref="ErrorPolicy.Fail"/> the run fails with an error naming the file, the line and
/// the reason; under <see cref="ErrorPolicy.Skip"/> the record is counted in
/// <see cref="RunSummary.ElementsSkipped"/>; under <see cref="ErrorPolicy.DeadLetter"/> the dead-letter sink gets
/// a <see cref="MalformedLine"/> (file, line, raw text) with a <see cref="MalformedLineException"/> (the reason).
/// </remarks>
public static class FileSources
{
    /// <summary>A source of JSON Lines files: one JSON value per line, deserialized as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="path">A file, or a pattern in the last segment (<c>in/*.jsonl</c>).</param>
    /// <param name="options">Batch or follow mode, checkpoint, buffer sizes; defaults when null.</param>
    /// <param name="json">Serializer options; <see cref="JsonSerializerDefaults.Web"/> (camelCase names, case-insensitive) when null. A line that is JSON <c>null</c> is malformed.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Source<T, FilePosition> JsonLines<T>(string path, FileSourceOptions? options = null, JsonSerializerOptions? json = null, string? name = null)
    {
        var pattern = FilePattern.Parse(path);
        options ??= new FileSourceOptions();
        options.Validate();
        return new FileSource<T>(pattern, new JsonLinesFormat<T>(json ?? new JsonSerializerOptions(JsonSerializerDefaults.Web)), options, name ?? $"JsonLines {pattern.FullPattern}");
    }

    /// <summary>
    /// A source of CSV files (RFC 4180), mapped to <typeparamref name="T"/> by CsvHelper: mark the type
    /// <c>[CsvRecord]</c> and <c>partial</c> so CsvHelper's source generator maps it (by header name, or by
    /// <c>[CsvColumn(Index = …)]</c> without a header). With a header, every file starts with one. Quoting
    /// errors and field count mismatches are malformed records here even where the options say to recover or skip.
    /// </summary>
    /// <typeparam name="T">A <c>[CsvRecord]</c> type.</typeparam>
    /// <param name="path">A file, or a pattern in the last segment (<c>in/*.csv</c>).</param>
    /// <param name="options">Batch or follow mode, checkpoint, buffer sizes; defaults when null.</param>
    /// <param name="csv">CsvHelper's reader options (<see cref="CsvReaderOptions.For{T}"/> when null); mode Rfc4180 only; a null separator means ','; UTF-8 only (an unset or UTF-8 encoding).</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Source<T, FilePosition> Csv<T>(string path, FileSourceOptions? options = null, CsvReaderOptions? csv = null, string? name = null)
    {
        var pattern = FilePattern.Parse(path);
        options ??= new FileSourceOptions();
        options.Validate();
        return new FileSource<T>(pattern, new CsvFormat<T>(csv ?? CsvReaderOptions.For<T>()), options, name ?? $"Csv {pattern.FullPattern}");
    }

    /// <summary>
    /// Reads Parquet files: <paramref name="path"/> is a file or a pattern such as <c>in/*.parquet</c> (in path
    /// order). Bounded; one row group is read at a time, so memory holds one row group rather than the file.
    /// Columns of type BOOLEAN, INT32, INT64, FLOAT, DOUBLE, DECIMAL, STRING, DATE and timestamps are read;
    /// timestamps as UTC <see cref="DateTimeOffset"/>.
    /// </summary>
    /// <param name="path">A file or a pattern.</param>
    /// <param name="name">The source's name in metrics and errors.</param>
    public static Source<ParquetRecord> Parquet(string path, string? name = null)
    {
        var pattern = FilePattern.Parse(path);
        return new ParquetFileSource(pattern, name ?? $"Parquet {pattern.FullPattern}");
    }
}
