namespace Pipelines.Files.Writing;

/// <summary>
/// One output file while it is written: records are staged in memory, appended to a hidden temporary file
/// (<c>.{name}.inprogress</c> in the same directory) with asynchronous writes. When it is finished (a roll, a
/// checkpoint or the end of input) it is flushed to disk and closed, and <see cref="PartCommitter"/> renames it to
/// its final name — at once, or when the checkpoint covering it is stored — so readers never see half a file.
/// </summary>
internal sealed class PartFile<T> : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private readonly FileStream _file;
    private readonly MemoryStream _staging = new();
    private readonly IRecordFileWriter<T> _records;
    private readonly long _headerBytes;
    private long _written;
    private bool _closed;
    private bool _finished;

    private PartFile(string finalPath, RecordOutput<T> output)
    {
        FinalPath = finalPath;
        TemporaryPath = PartCommitter.TemporaryPath(finalPath);
        _file = new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        _records = output.Start(_staging);
        _headerBytes = _staging.Length;
    }

    public string FinalPath { get; }

    public string TemporaryPath { get; }

    /// <summary>The file's size once what is staged is written.</summary>
    public long Length => _written + _staging.Length;

    /// <summary>When it was last written to, for closing the least recently used file.</summary>
    public long LastUse { get; set; }

    public bool HasRecords => Length > _headerBytes;

    public bool NeedsFlush => _staging.Length >= FlushThreshold;

    public static PartFile<T> Create(string finalPath, RecordOutput<T> output) => new(finalPath, output);

    /// <summary>Stages one record; on an exception nothing of it is kept.</summary>
    public void Write(T item) => _records.Write(item);

    /// <summary>Appends what is staged to the temporary file.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_staging.Length == 0) return;
        await _file.WriteAsync(_staging.GetBuffer().AsMemory(0, (int)_staging.Length), cancellationToken).ConfigureAwait(false);
        _written += _staging.Length;
        _staging.SetLength(0);
    }

    /// <summary>Writes the rest, flushes the file to disk and closes it, still under its temporary name.</summary>
    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        _file.Flush(flushToDisk: true);
        await CloseAsync().ConfigureAwait(false);
        _finished = true;
    }

    /// <summary>Closes an unfinished file and deletes it: a failed or cancelled run leaves no partial output.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_finished) return;
        if (!_closed) await CloseAsync().ConfigureAwait(false);
        File.Delete(TemporaryPath);
    }

    private async ValueTask CloseAsync()
    {
        _closed = true;
        _records.Dispose();
        await _staging.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }
}
