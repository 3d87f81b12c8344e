using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Pipelines.Files.Writing;

namespace Pipelines.Files;

/// <summary>
/// Sinks that write results to files in a directory: JSON Lines (System.Text.Json) or CSV (CsvHelper), UTF-8.
/// Files are written atomically: each is written as a hidden temporary file and renamed to its final name
/// (<c>{prefix}-{sequence}.jsonl</c>, or <c>{prefix}-{bucket}-{sequence}.jsonl</c>) once finished — when it
/// reaches <see cref="FileSinkOptions.MaxFileBytes"/>, when it is the least recently used of more than
/// <see cref="FileSinkOptions.MaxOpenFiles"/> open files, at a checkpoint of a streaming run, or at the end of
/// input. A checkpoint (see <see cref="StreamingOptions.CheckpointInterval"/>; taken when a source commits during
/// the run, such as a file source with a checkpoint path) finishes every open file, so what was written before
/// it survives a later failure, and the next result of a bucket starts a new file. A failed or cancelled run
/// deletes only its unfinished files. Numbering continues after the files already in the directory; use one
/// sink per directory and prefix.
/// </summary>
public static class FileSinks
{
    /// <summary>A sink writing one JSON value per line.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="directory">Where the files go; created when missing.</param>
    /// <param name="options">Names and rolling; defaults when null.</param>
    /// <param name="bucketBy">
    /// Optional: the bucket of a result, part of its file's name (such as <see cref="ByWindow{TKey, TValue}"/>, one
    /// file per event-time window); results of one bucket share a file. A result whose bucket is not a valid file
    /// name part follows the pipeline's error policy.
    /// </param>
    /// <param name="json">Serializer options; <see cref="JsonSerializerDefaults.Web"/> when null. Output is never indented.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> JsonLines<T>(string directory, FileSinkOptions? options = null, Func<T, string>? bucketBy = null, JsonSerializerOptions? json = null, string? name = null)
    {
        string full = FullDirectory(directory);
        options ??= new FileSinkOptions();
        options.Validate();
        return new FileSink<T>(full, new JsonLinesOutput<T>(json ?? new JsonSerializerOptions(JsonSerializerDefaults.Web)), options, bucketBy, name ?? $"JsonLines {full}");
    }

    /// <summary>
    /// A sink writing CSV through CsvHelper, with a header at the start of every file unless the options say
    /// otherwise. Mark <typeparamref name="T"/> <c>[CsvRecord]</c> and <c>partial</c> so CsvHelper's source
    /// generator maps it.
    /// </summary>
    /// <typeparam name="T">A <c>[CsvRecord]</c> type.</typeparam>
    /// <param name="directory">Where the files go; created when missing.</param>
    /// <param name="options">Names and rolling; defaults when null.</param>
    /// <param name="bucketBy">Optional: the bucket of a result, part of its file's name; see <see cref="JsonLines{T}"/>.</param>
    /// <param name="csv">CsvHelper's writer options (<see cref="CsvWriterOptions.For{T}"/> when null).</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> Csv<T>(string directory, FileSinkOptions? options = null, Func<T, string>? bucketBy = null, CsvWriterOptions? csv = null, string? name = null)
    {
        string full = FullDirectory(directory);
        options ??= new FileSinkOptions();
        options.Validate();
        CsvMapping.EnsureWritable<T>();
        return new FileSink<T>(full, new CsvOutput<T>(csv ?? CsvWriterOptions.For<T>()), options, bucketBy, name ?? $"Csv {full}");
    }

    /// <summary>
    /// Buckets window results by their window's start (UTC, <c>yyyyMMddTHHmmssfffZ</c>), so each event-time
    /// window gets its own file: its results are written together when the window fires, and its file is finished
    /// once later windows push it out of the open files (or at a checkpoint, or at the end of input; a window whose
    /// results straddle a checkpoint gets a second file).
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The result type.</typeparam>
    public static Func<WindowResult<TKey, TValue>, string> ByWindow<TKey, TValue>() =>
        result => result.Window.Start.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes records to Parquet files in <paramref name="directory"/>: rows are buffered into row groups of
    /// <paramref name="rowGroupSize"/>, and each file is written under a hidden temporary name and renamed when it is
    /// finished (at <see cref="FileSinkOptions.MaxFileBytes"/>, at a checkpoint, or at the end of input).
    /// </summary>
    /// <param name="directory">The output directory (created if missing).</param>
    /// <param name="columns">The files' columns; every record must have one value per column, of its type or null.</param>
    /// <param name="options">File prefix and size limit (<see cref="FileSinkOptions.MaxOpenFiles"/> does not apply: one file is open at a time).</param>
    /// <param name="rowGroupSize">Rows per row group.</param>
    /// <param name="name">The sink's name in metrics and errors.</param>
    public static Sink<ParquetRecord> Parquet(string directory, IReadOnlyList<ParquetColumn> columns, FileSinkOptions? options = null, int rowGroupSize = 65_536, string? name = null)
    {
        string full = FullDirectory(directory);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0) throw new ArgumentException("A Parquet file needs at least one column.", nameof(columns));
        foreach (var column in columns) column.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowGroupSize);
        options ??= new FileSinkOptions();
        options.Validate();
        return new ParquetFileSink(full, [.. columns], options, rowGroupSize, name ?? $"Parquet {full}");
    }

    private static string FullDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return Path.GetFullPath(directory);
    }
}
