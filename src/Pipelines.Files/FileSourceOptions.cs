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
    /// renamed within the pattern is followed under its new name, while a file whose name now holds other
    /// content is read to its end through the open handle and the new content is read from its start. Two
    /// different files that begin with the same KiB can therefore be taken for one another, and a copy seen while
    /// its original is still being read (a copy-then-truncate rotation caught between its two steps) is read as
    /// another file. Lines appended to a file after it has been rotated out of the pattern while no run is
    /// reading it are not seen: keep rotated names inside the pattern (<c>app.log*</c>) to read them.
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
        if (ReadBufferSize < 256) throw new ArgumentOutOfRangeException(nameof(ReadBufferSize), ReadBufferSize, "ReadBufferSize must be at least 256 bytes.");
        if (MaxRecordBytes < ReadBufferSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRecordBytes), MaxRecordBytes, "MaxRecordBytes must be at least ReadBufferSize.");
        }
    }
}
