using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Pipelines.Files.Writing;

namespace Pipelines.Files;

/// <summary>
/// Sinks that write results to files in a directory: JSON Lines (System.Text.Json), CSV (CsvHelper), UTF-8, or
/// Parquet. Each file is written under a hidden name (<c>.{name}.inprogress</c>) and finished — flushed to disk and
/// closed — when it reaches <see cref="FileSinkOptions.MaxFileBytes"/>, when it is the least recently used of more
/// than <see cref="FileSinkOptions.MaxOpenFiles"/> open files, at a checkpoint's barrier, or at the end of input;
/// then it is renamed to its final name (<c>{prefix}-{sequence}.jsonl</c>, or <c>{prefix}-{bucket}-{sequence}.jsonl</c>),
/// so readers never see half a file. The next result of a bucket starts a new file.
/// <para>
/// When a finished file becomes visible depends on the run. Without <see cref="StreamingOptions.CheckpointStorage"/>
/// (a bounded run, or a streaming run whose checkpoints only commit source positions) it is renamed as soon as it is
/// finished: at-least-once, since a failed run restarted from its sources' positions writes again what came after
/// them. With a checkpoint storage the sink commits in two phases, exactly once: a file finished before checkpoint
/// N's barrier is renamed to the hidden <c>.{name}.pending-N</c> at the barrier, and to its final name only when
/// checkpoint N is stored; the rest of a run's files become visible at the end of its input. A restarted run first
/// publishes the pending files of the checkpoint it restores (and earlier ones) and deletes the hidden files of later
/// checkpoints and the files that were in progress, whose rows it writes again. So a crash never leaves a visible
/// file whose rows will be written again, and results appear a checkpoint interval late.
/// </para>
/// <para>
/// A failed or cancelled run deletes only its unfinished files (pending files stay for the next run's recovery).
/// Numbering continues after the files already in the directory, hidden ones included, so no run reuses a name;
/// use one sink per directory and prefix.
/// </para>
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
    /// <paramref name="rowGroupSize"/>, and each file is written under a hidden temporary name and finished at
    /// <see cref="FileSinkOptions.MaxFileBytes"/>, at a checkpoint, or at the end of input; it becomes visible as the
    /// other file sinks' files do (see <see cref="FileSinks"/>: at once, or by two-phase commit with a checkpoint storage).
    /// </summary>
    /// <param name="directory">The output directory (created if missing).</param>
    /// <param name="columns">
    /// The files' columns; every record must have these columns (matched by name, in any order) and a value of its
    /// column's type or null. A record that does not is the sink's error for that element, under the error policy.
    /// </param>
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
