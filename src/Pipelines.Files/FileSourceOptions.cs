namespace Pipelines.Files;

/// <summary>How a file source reads: once to the end (batch) or following the files as they grow (streaming).</summary>
public sealed class FileSourceOptions
{
    /// <summary>
    /// False (the default): read the files that match when the run starts, each to its end, then end (a
    /// bounded source). True: keep reading — tail the files as they grow, pick up new files that match, follow
    /// rotated files — until the run is stopped (an unbounded source). A line counts once its line break is
    /// written, except the last line of a file that has been rotated away or deleted.
    /// </summary>
    /// <remarks>
    /// A file is recognised by its first KiB (and by being at least as long as what was read of it): a file
    /// renamed within the pattern is followed under its new name. A file rotated out of the pattern (renamed,
    /// deleted, or copied and truncated) is read on from where reading was, before the file that takes its name (its
    /// writer's new log, read from its start): through the open handle, or — when it was copied before being
    /// truncated — in the copy; until its writer has moved on (the new log has bytes) or it has been quiet for
    /// <see cref="RotateWait"/>. A rotated file found beside the pattern's files (a name that starts like its old
    /// one: <c>app.log.1</c>, <c>app.log-20240101</c>) is recorded under that name in a checkpoint, and a run that
    /// starts looks for the files its checkpoint names there too, so the lines written to a file rotated while no
    /// run was reading are read. That search needs a file's full first KiB: a shorter file (a CSV with its header
    /// alone) is not looked for outside the pattern. Two different files that begin with the same KiB can be
    /// taken for one another, and a copy seen while its original is still being read (a copy-then-truncate
    /// rotation caught between its two steps) is read as another file when the copy's name is inside the pattern.
    /// A file rotated into another directory and deleted before a run starts is not found: keep rotated files
    /// beside the live one (logrotate's default) or their names inside the pattern (<c>app.log*</c>).
    /// </remarks>
    public bool Follow { get; init; }

    /// <summary>In follow mode, how long to wait, on the run's clock, before looking again when every file has been read to its end. Default 250 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A small file where the source records, for every file, how far the run has read (byte offset and line,
    /// with a fingerprint of the file's first bytes), written atomically (a temporary file renamed over it) when a
    /// run ends successfully (end of input, or a streaming run stopped with draining) and, in a streaming run, at
    /// every checkpoint (<see cref="StreamingOptions.CheckpointInterval"/>), once what was read before it has
    /// reached the sinks and they have flushed. The next run resumes from there: without duplicates or gaps after a
    /// successful run; after a failed or cancelled run from the last checkpoint, so the lines read since may be
    /// read again but none is lost. Null (the default): no checkpoint, every run reads the files from the start.
    /// </summary>
    /// <remarks>
    /// A batch reads each file to its end, the last line too when no line break follows it, and records the position
    /// after it. A batch run over a file that a writer is still appending to can therefore catch a line half
    /// written: it is read (or reported as malformed) as it is then, and the next run starts after it. Either follow
    /// such files (<see cref="Follow"/>, where a line counts once its line break is written), or have writers finish
    /// a file under a hidden name (starting with '.', which patterns do not match) and rename it when complete, as
    /// the file sinks do.
    /// </remarks>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// In follow mode, how long a file rotated out of the pattern (renamed away or deleted while being read) is still
    /// read after the last bytes were added to it, on the run's clock, while no file has taken its name with bytes in
    /// it: a writer keeps appending to the file it has open until it reopens its log (after logrotate's
    /// <c>postrotate</c> signal, or its own next check), and those lines are read. Once the file has been quiet this
    /// long, or its writer's new log has bytes, its last line is read even without a line break and the file is
    /// closed. Default 5 seconds; <see cref="TimeSpan.Zero"/> reads it to its current end and closes it;
    /// <see cref="TimeSpan.MaxValue"/> keeps it until the new log has bytes.
    /// </summary>
    public TimeSpan RotateWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes read from a file at once. Default 64 KiB.</summary>
    public int ReadBufferSize { get; init; } = 64 * 1024;

    /// <summary>
    /// The longest record, in bytes, the source holds in memory (default 16 MiB). A longer one is reported as
    /// malformed with its first 1024 bytes, and reading goes on after the end of the line where the limit was hit.
    /// </summary>
    public int MaxRecordBytes { get; init; } = 16 * 1024 * 1024;

    internal void Validate()
    {
        if (PollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "PollInterval must be positive.");
        if (RotateWait < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RotateWait), RotateWait, "RotateWait must not be negative.");
        if (ReadBufferSize < 256) throw new ArgumentOutOfRangeException(nameof(ReadBufferSize), ReadBufferSize, "ReadBufferSize must be at least 256 bytes.");
        if (MaxRecordBytes < ReadBufferSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRecordBytes), MaxRecordBytes, "MaxRecordBytes must be at least ReadBufferSize.");
        }
    }
}
