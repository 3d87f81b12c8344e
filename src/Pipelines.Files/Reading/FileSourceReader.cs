using System.Text;

namespace Pipelines.Files.Reading;

/// <summary>
/// Reads the files of a <see cref="FilePattern"/>. Batch: the files matching at the start, one after another in
/// path order, each to its end, each opened when the one before it is done (a pattern of many thousand files holds
/// one open at a time). Follow: every matching file in turn, a buffer's worth at a time; when all are
/// at their end, it waits <see cref="FileSourceOptions.PollInterval"/> on the run's clock and looks again —
/// for new files, files that grew, and rotation (a file renamed within the pattern is followed under its new
/// name; one rotated out of it is read on before the file that took its name — through the open handle, or in the
/// copy a copy-then-truncate rotation left — until its writer has moved on to that file or it has been quiet for
/// <see cref="FileSourceOptions.RotateWait"/>, then dropped; whatever now has its name is a new file). I/O happens in <see cref="WaitToReadAsync"/>; <see cref="TryRead(Span{T})"/>
/// only parses records already in memory, so memory holds one buffer per open file. With a checkpoint file, the
/// position (every file's offset) is saved at the end of a successful run and, in a streaming run, at every
/// checkpoint: <see cref="CapturePosition()"/> snapshots it (a <see cref="FilePosition"/>) on the reading thread, and
/// the save runs on the checkpoint's task through a <see cref="CheckpointStore"/>, which takes one save at a time.
/// </summary>
internal sealed partial class FileSourceReader<T>(FilePattern pattern, RecordFormat<T> format, FileSourceOptions options, SourceContext context, IDisposable? claim) : SourceReader<T, FilePosition>
{
    private readonly List<SourceFile<T>> _files = [];
    private readonly List<FileOffset> _finished = [];

    /// <summary>Batch: the files not opened yet, in order, each with where a checkpoint left it (null: the start).</summary>
    private readonly Queue<(string Path, FileOffset? Saved)> _pending = new();

    // CapturePosition runs on the executor's task, possibly while a wait on another thread adds, reorders or
    // retires files: the lists change only under this lock, and the snapshot is taken under it.
    private readonly Lock _gate = new();
    private readonly CheckpointStore? _store = options.CheckpointPath is null ? null : new CheckpointStore(Path.GetFullPath(options.CheckpointPath));
    private SourceFile<T>? _current;
    private int _next;
    private long _captures;
    private long _totalBytes;
    private long _doneBytes;

    private string? CheckpointPath => _store?.Path;

    /// <summary>Lists the files and opens them, each where <paramref name="restored"/> (else the checkpoint file) says it was left.</summary>
    public async ValueTask StartAsync(FilePosition? restored, CancellationToken cancellationToken)
    {
        if (!options.Follow)
        {
            if (!pattern.HasWildcards && !File.Exists(pattern.FullPattern)) throw new FileNotFoundException($"The file '{pattern.FullPattern}' does not exist.", pattern.FullPattern);
            if (!Directory.Exists(pattern.Directory)) throw new DirectoryNotFoundException($"The directory '{pattern.Directory}' does not exist.");
        }

        var saved = restored is not null ? [.. restored.Files]
            : _store is null ? [] : (await Checkpoint.LoadAsync(_store.Path, cancellationToken).ConfigureAwait(false)).Files;
        var listed = pattern.List(CheckpointPath);
        foreach (string path in listed)
        {
            try
            {
                var entry = await MatchAsync(path, saved, cancellationToken).ConfigureAwait(false);
                if (!options.Follow)
                {
                    if (entry is not null) saved.Remove(entry);
                    _totalBytes += new FileInfo(path).Length;
                    lock (_gate) _pending.Enqueue((path, entry));
                    continue;
                }

                // The entry is taken once the file opened there is the one it matched: one rotated away meanwhile (and
                // replaced) is looked for below, and its replacement read from its start.
                var file = await OpenAsync(path, entry?.Offset ?? 0, entry?.Line ?? 1, cancellationToken).ConfigureAwait(false);
                if (entry is not null && !Identifies(entry, file.Cursor.Prefix))
                {
                    file.Dispose();
                    (entry, file) = (null, await OpenAsync(path, 0, 1, cancellationToken).ConfigureAwait(false));
                }

                lock (_gate) _files.Add(file);
                if (entry is not null) saved.Remove(entry);
            }
            catch (FileNotFoundException) when (options.Follow)
            {
                // Rotated away between listing and opening: the next look finds where it went.
            }
        }

        if (options.Follow && saved.Count > 0) await ResumeRotatedAsync(saved, listed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>In a batch, the share of the files' bytes read so far (a checkpoint's resume offsets count as read).</summary>
    public override double? FractionRead
    {
        get
        {
            if (options.Follow || _totalBytes == 0) return null;
            long current = _files.Count > 0 ? _files[0].Cursor.ConsumedOffset : 0;
            return Math.Min(1.0, (double)(_doneBytes + current) / _totalBytes);
        }
    }

    public override int TryRead(Span<T> destination)
    {
        var file = _current;
        if (file is null) return 0;
        var cursor = file.Cursor;
        int n = 0;
        while (n < destination.Length && cursor.HasRecord)
        {
            var record = cursor.Peek();
            if (record.IsTooLong)
            {
                Report(cursor, record, record.TooLongPreview!, $"the record is longer than MaxRecordBytes ({options.MaxRecordBytes} bytes); reading goes on after the line break that ends line {record.NextLine - 1}", null);
            }
            else if (!FileCursor.IsBlank(cursor.Buffer.Span[record.Start..record.End]))
            {
                switch (file.Parser.Parse(cursor, record, out var value, out string reason, out var cause))
                {
                    case ParseOutcome.Element:
                        destination[n++] = value;
                        break;
                    case ParseOutcome.Malformed:
                        if (cursor.SpansLines(record) && format.MayBeMisframed(cause))
                        {
                            // A quote ran over line breaks and the record cannot be read: report its first line alone
                            // and read the lines after it as records of their own, so a stray quote costs one line.
                            record = cursor.SplitFirstLine();
                            reason += $"; a quote opened on this line runs over line breaks, so this line alone is reported and reading goes on at line {record.NextLine}";
                        }

                        Report(cursor, record, Encoding.UTF8.GetString(cursor.Buffer.Span[record.Start..record.End]), reason, cause);
                        break;
                }
            }

            cursor.Advance();
        }

        return n;
    }

    public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_current is { Cursor.HasRecord: true }) return true;
            if (options.Follow ? await ReadFollowingAsync(cancellationToken).ConfigureAwait(false) : await ReadInOrderAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            if (!options.Follow) return false;
            await Task.Delay(options.PollInterval, context.TimeProvider, cancellationToken).ConfigureAwait(false);
            await RescanAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>With a checkpoint file, a streaming run saves the position at every checkpoint too.</summary>
    public override bool CommitsDuringRun => _store is not null;

    /// <summary>How far every file has been read now: what the end-of-run <see cref="SourceReader{T, TPosition}.CommitAsync(CancellationToken)"/> saves.</summary>
    public override FilePosition CapturePosition()
    {
        lock (_gate)
        {
            var entries = new List<FileOffset>(_finished);

            // A rotated file is recorded (under its new name, when known) until it is dropped: a restart reads its
            // rest. One truncated in place holds nothing of what was read any more.
            entries.AddRange(_files.Where(f => !f.Cursor.ContentGone).Select(f => f.ToCheckpoint()));
            foreach (var (_, saved) in _pending)
            {
                if (saved is not null) entries.Add(saved);
            }

            return new FilePosition(entries.AsReadOnly()) { Sequence = Interlocked.Increment(ref _captures) };
        }
    }

    /// <summary>
    /// Saves <paramref name="position"/> to the checkpoint file, unless a newer one is saved already: at a completed
    /// checkpoint, and (through the inherited end-of-run commit) with how far every file was read when the run ended.
    /// </summary>
    public override async ValueTask CommitAsync(FilePosition position, CancellationToken cancellationToken)
    {
        if (_store is null) return;
        await _store.SaveAsync(position, cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var file in _files) file.Dispose();
        _files.Clear();
        _current = null;
        _store?.Dispose();
        claim?.Dispose();
        return base.DisposeAsync();
    }

    /// <summary>Batch: the first file until it is done, then the next, opened then.</summary>
    private async ValueTask<bool> ReadInOrderAsync(CancellationToken cancellationToken)
    {
        while (_files.Count > 0 || _pending.Count > 0)
        {
            if (_files.Count == 0)
            {
                var (path, saved) = _pending.Peek();
                var opened = await OpenAsync(path, saved?.Offset ?? 0, saved?.Line ?? 1, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    _pending.Dequeue();
                    _files.Add(opened);
                }
            }

            var file = _files[0];
            var state = await file.PumpAsync(finishAtEnd: true, cancellationToken).ConfigureAwait(false);
            if (state == SourceFile<T>.State.HasRecord)
            {
                _current = file;
                return true;
            }

            if (state == SourceFile<T>.State.Done)
            {
                lock (_gate) _finished.Add(file.ToCheckpoint());
                _doneBytes += file.Cursor.ConsumedOffset;
                Retire(0);
            }
        }

        return false;
    }

    /// <summary>
    /// Follow: the rotated files first (their lines are older than anything else), each until it has a record or is
    /// at its end, and dropped once done; then the others in turn, a buffer at a time, until one has a record or all
    /// are at their end. The file that took a rotated file's name is its writer's new log: it is held back while the
    /// rotated one is read, and once it has bytes the rotated one is finished at its end (its writer has moved on).
    /// Rotated files are kept at the front of the list.
    /// </summary>
    private async ValueTask<bool> ReadFollowingAsync(CancellationToken cancellationToken)
    {
        bool progress = true;
        while (progress && _files.Count > 0)
        {
            progress = false;
            var now = context.TimeProvider.GetUtcNow();
            int rotated = 0;
            while (rotated < _files.Count && _files[rotated].Detached)
            {
                var file = _files[rotated];
                if (RotatedEarlier(file, rotated))
                {
                    // Rotated from the same name again while the older one is still read: its lines come after.
                    rotated++;
                    continue;
                }

                var state = await file.PumpRotatedAsync(now, options.RotateWait, WriterMovedOn(file, rotated), cancellationToken).ConfigureAwait(false);
                if (state == SourceFile<T>.State.HasRecord)
                {
                    _current = file;
                    return true;
                }

                if (state == SourceFile<T>.State.Done) Retire(rotated);
                else if (state == SourceFile<T>.State.AtEnd) rotated++;

                // Progress (part of a record read): the same file again, so nothing newer overtakes its record.
            }

            for (int k = 0, live = _files.Count - rotated; k < live; k++)
            {
                int i = rotated + _next % live;
                var file = _files[i];
                _next = i - rotated + 1;
                if (rotated > 0 && IsHeldBack(file, rotated)) continue;
                var state = await file.PumpAsync(finishAtEnd: false, cancellationToken).ConfigureAwait(false);
                if (state == SourceFile<T>.State.HasRecord)
                {
                    _current = file;
                    return true;
                }

                progress |= state == SourceFile<T>.State.Progress;
            }
        }

        return false;
    }

    /// <summary>Follow: finds new files, and where the known ones went.</summary>
    private async ValueTask RescanAsync(CancellationToken cancellationToken)
    {
        var listed = pattern.List(CheckpointPath);
        var present = new HashSet<string>(listed, StringComparer.Ordinal);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var lost = new List<SourceFile<T>>();
        var rotated = new List<SourceFile<T>>();
        foreach (var file in _files)
        {
            if (file.Detached) rotated.Add(file);
            else if (present.Contains(file.Cursor.Path) && await file.Cursor.IsAtAsync(file.Cursor.Path, cancellationToken, whenUnreadable: true).ConfigureAwait(false)) claimed.Add(file.Cursor.Path);
            else lost.Add(file);
        }

        // A file no longer at its path was renamed (or deleted) after the listing above was taken, maybe within the
        // pattern: where it went is looked for in a listing taken after that was seen, or its new name would be
        // taken for a new file and read again from its start.
        if (lost.Count > 0) listed = pattern.List(CheckpointPath);

        var claimedOthers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in lost)
        {
            string? moved = await FindAsync(file.Cursor, listed, claimed, cancellationToken).ConfigureAwait(false);
            if (moved is not null && TryMove(file.Cursor, moved))
            {
                claimed.Add(moved);
                continue;
            }

            await DetachRotatedAsync(file, listed, claimedOthers, cancellationToken).ConfigureAwait(false);
        }

        await ReattachAsync(rotated, listed, claimed, cancellationToken).ConfigureAwait(false);

        // The rest of a rotated file is older than whatever replaced it: read it first.
        if (_files.Any(f => f.Detached))
        {
            lock (_gate)
            {
                var ordered = _files.Where(f => f.Detached).Concat(_files.Where(f => !f.Detached)).ToList();
                _files.Clear();
                _files.AddRange(ordered);
            }

            _next = 0;
        }

        foreach (string path in listed)
        {
            if (claimed.Contains(path)) continue;
            try
            {
                await AddAsync(path, 0, 1, cancellationToken).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                // Listed, then gone before it could be opened: nothing of it to read.
            }
        }
    }

    private async ValueTask AddAsync(string path, long offset, long line, CancellationToken cancellationToken)
    {
        var file = await OpenAsync(path, offset, line, cancellationToken).ConfigureAwait(false);
        lock (_gate) _files.Add(file);
    }

    private async ValueTask<SourceFile<T>> OpenAsync(string path, long offset, long line, CancellationToken cancellationToken)
    {
        // A position just past a byte order mark, as earlier versions saved before the first record was handed over,
        // is the start of the file: resumed there, a CSV header was read as a data row.
        if (offset is > 0 and <= 3 && await StartsWithBomAsync(path, offset, cancellationToken).ConfigureAwait(false)) (offset, line) = (0, 1);
        var cursor = await FileCursor.OpenAsync(path, format.CreateScanner(), options.ReadBufferSize, options.MaxRecordBytes, offset, line, cancellationToken).ConfigureAwait(false);
        var file = new SourceFile<T>(cursor, format.CreateParser());
        try
        {
            if (format.HasHeader && offset > 0)
            {
                var header = await FileCursor.ReadFirstRecordAsync(path, format.CreateScanner(), options.MaxRecordBytes, format.CommentStart, cancellationToken).ConfigureAwait(false);
                if (header is { } first) file.Parser.SetHeader(first.Record, first.Line);
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return file;
    }

    /// <summary>Whether the file's first <paramref name="length"/> bytes are its UTF-8 byte order mark.</summary>
    private static async ValueTask<bool> StartsWithBomAsync(string path, long length, CancellationToken cancellationToken)
    {
        var start = new byte[3];
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        int n = await RandomAccess.ReadAsync(handle, start, 0, cancellationToken).ConfigureAwait(false);
        return n == 3 && RecordFramer.BomLength(start) == length;
    }

    /// <summary>The checkpoint entry for <paramref name="path"/>: its own, or one whose file was renamed to it.</summary>
    private static async ValueTask<FileOffset?> MatchAsync(string path, List<FileOffset> saved, CancellationToken cancellationToken)
    {
        foreach (var entry in saved.OrderBy(e => string.Equals(e.Path, path, StringComparison.Ordinal) ? 0 : 1))
        {
            if (await HoldsAsync(path, entry, cancellationToken).ConfigureAwait(false)) return entry;
        }

        return null;
    }

    /// <summary>Whether a file that starts with <paramref name="prefix"/> is the one <paramref name="entry"/> saved.</summary>
    private static bool Identifies(FileOffset entry, byte[] prefix) =>
        prefix.Length >= entry.PrefixLength && Checkpoint.Fingerprint(prefix.AsSpan(0, entry.PrefixLength)) == entry.PrefixSha256;

    /// <summary><see cref="HoldsAsync"/> for a file that may be gone or unreadable (a rotated file looked for among others): false then.</summary>
    private static async ValueTask<bool> TryHoldsAsync(string path, FileOffset entry, CancellationToken cancellationToken)
    {
        try
        {
            return await HoldsAsync(path, entry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async ValueTask<bool> HoldsAsync(string path, FileOffset entry, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        if (RandomAccess.GetLength(handle) < Math.Max(entry.Offset, entry.PrefixLength)) return false;
        var prefix = new byte[entry.PrefixLength];
        int filled = 0;
        while (filled < prefix.Length)
        {
            int n = await RandomAccess.ReadAsync(handle, prefix.AsMemory(filled), filled, cancellationToken).ConfigureAwait(false);
            if (n == 0) return false;
            filled += n;
        }

        return Checkpoint.Fingerprint(prefix) == entry.PrefixSha256;
    }

    private void Retire(int index)
    {
        SourceFile<T> file;
        lock (_gate)
        {
            file = _files[index];
            _files.RemoveAt(index);
        }

        if (ReferenceEquals(_current, file)) _current = null;
        file.Dispose();
    }

    private void Report(FileCursor cursor, in RecordRef record, string text, string reason, Exception? cause) =>
        context.ReportBadRecord(new MalformedLine(cursor.Path, record.Line, text), new MalformedLineException(cursor.Path, record.Line, reason, cause));
}
