namespace Pipelines.Files;

/// <summary>How a file sink names, rolls and finishes its files.</summary>
public sealed class FileSinkOptions
{
    /// <summary>
    /// The start of every file name (default "part"): files are <c>{prefix}-{sequence}.{ext}</c>, or
    /// <c>{prefix}-{bucket}-{sequence}.{ext}</c> with buckets. Sinks writing one directory need prefixes where
    /// neither is the other's followed by '-': <c>trades-rejected-000007.jsonl</c> is also a file of <c>trades</c>
    /// in bucket <c>rejected</c>, which that sink would recover, number after or replace. A run is refused while
    /// another run in the process writes an overlapping prefix there; across runs, keep such sinks in their own directories.
    /// </summary>
    public string FilePrefix { get; init; } = "part";

    /// <summary>
    /// A file is finished (and the next one started) once it holds at least this many bytes, so every finished
    /// file but the last is between this size and this size plus one record. Default 128 MiB; null: no limit.
    /// </summary>
    public long? MaxFileBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>
    /// With buckets, how many files may be open at once (default 8). Opening one more finishes the one written
    /// least recently; a later result for its bucket starts a new file of that bucket.
    /// </summary>
    public int MaxOpenFiles { get; init; } = 8;

    /// <summary>
    /// Whether a run replaces what earlier runs wrote (default false). False: every run adds its files beside the
    /// earlier runs' files, numbered after them, so a reader of <c>{prefix}-*</c> sees every run's results. True:
    /// once the run has reached the end of its input and finished its own files, it deletes the files of this
    /// prefix and extension that were in the directory when it started (and the temporary files a crashed run
    /// left there); a run that fails or is cancelled leaves them as they were. While the run goes on, files it
    /// finished early (rolled, or at a checkpoint) sit beside the earlier output. A run restored from a checkpoint of
    /// <see cref="StreamingOptions.CheckpointStorage"/> deletes nothing: the files of the run it continues are among them.
    /// </summary>
    public bool ReplaceEarlierOutput { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(FilePrefix, nameof(FilePrefix));
        if (FilePrefix.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || FilePrefix.StartsWith('.'))
        {
            throw new ArgumentException($"FilePrefix '{FilePrefix}' must be a plain file name that does not start with '.'.", nameof(FilePrefix));
        }

        if (MaxFileBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, "MaxFileBytes must be positive, or null for no limit.");
        if (MaxOpenFiles <= 0) throw new ArgumentOutOfRangeException(nameof(MaxOpenFiles), MaxOpenFiles, "MaxOpenFiles must be positive.");
    }
}
