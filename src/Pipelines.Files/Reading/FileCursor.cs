using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pipelines.Files.Reading;

/// <summary>
/// One open file being read: a buffer of bytes read from it, the complete records found in them, and the
/// position of the first record not handed over yet (<see cref="ConsumedOffset"/>, <see cref="ConsumedLine"/>),
/// which is what a checkpoint records. The file is identified by its first bytes (<see cref="Prefix"/>), so a
/// renamed or copied file is recognised and a recreated one is not taken for it.
/// </summary>
internal sealed class FileCursor : IDisposable
{
    /// <summary>How many of a file's first bytes identify it.</summary>
    public const int PrefixLength = 1024;

    private const int PreviewBytes = 1024;

    private readonly Queue<RecordRef> _records = new();
    private readonly int _maxRecordBytes;
    private RecordFramer _framer;
    private SafeFileHandle _handle;
    private byte[] _buffer;
    private long _bufferOffset;
    private int _start;
    private int _scan;
    private int _end;
    private int _recordStart;
    private long _recordLine;
    private string? _skippingPreview;

    private FileCursor(string path, SafeFileHandle handle, RecordScanner scanner, int bufferSize, int maxRecordBytes, long offset, long line, byte[] prefix)
    {
        Path = path;
        _handle = handle;
        _framer = new RecordFramer(scanner);
        _buffer = new byte[bufferSize];
        _maxRecordBytes = maxRecordBytes;
        _bufferOffset = offset;
        ConsumedOffset = offset;
        ConsumedLine = line;
        _recordLine = line;
        Prefix = prefix;
    }

    /// <summary>Where the file was last seen.</summary>
    public string Path { get; private set; }

    /// <summary>The file's first bytes (up to <see cref="PrefixLength"/>): its identity.</summary>
    public byte[] Prefix { get; private set; }

    /// <summary>File offset of the first record not handed over yet.</summary>
    public long ConsumedOffset { get; private set; }

    /// <summary>Line of the first record not handed over yet (1-based).</summary>
    public long ConsumedLine { get; private set; }

    /// <summary>File offset of the next byte to read.</summary>
    public long ReadOffset => _bufferOffset + _end;

    /// <summary>True once <see cref="Finish"/> was called: no more records will come.</summary>
    public bool Finished { get; private set; }

    public bool HasRecord => _records.Count > 0;

    /// <summary>The buffer the queued records index into; valid until the next <see cref="FillAsync"/>.</summary>
    public ReadOnlyMemory<byte> Buffer => _buffer;

    /// <summary>Changes whenever bytes move in <see cref="Buffer"/>, which invalidates readers over it.</summary>
    public int BufferVersion { get; private set; }

    /// <summary>Index after the last queued record's line break.</summary>
    public int QueuedEnd { get; private set; }

    /// <summary>Opens <paramref name="path"/> to read from <paramref name="offset"/>, which starts line <paramref name="line"/>.</summary>
    public static async ValueTask<FileCursor> OpenAsync(
        string path, RecordScanner scanner, int bufferSize, int maxRecordBytes, long offset, long line, CancellationToken cancellationToken)
    {
        var handle = OpenHandle(path);
        try
        {
            var prefix = await ReadPrefixAsync(handle, cancellationToken).ConfigureAwait(false);
            return new FileCursor(path, handle, scanner, bufferSize, maxRecordBytes, offset, line, prefix);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public RecordRef Peek() => _records.Peek();

    /// <summary>Hands the first queued record over: the consumed position moves past it.</summary>
    public void Advance()
    {
        var record = _records.Dequeue();
        ConsumedOffset = record.NextOffset;
        ConsumedLine = record.NextLine;
        if (!record.IsTooLong) _start = record.NextIndex;
    }

    /// <summary>True when <paramref name="record"/> runs over line breaks (a quoted field holding them).</summary>
    public bool SpansLines(in RecordRef record) => !record.IsTooLong && record.NextLine - record.Line > 1 && _buffer.AsSpan(record.Start, record.End - record.Start).Contains((byte)'\n');

    /// <summary>
    /// The first queued record runs over line breaks but could not be read, so where it ends is not to be trusted:
    /// it becomes its first line alone, and the records after that line are found again. Returns the new first record.
    /// </summary>
    public RecordRef SplitFirstLine()
    {
        var head = _records.Peek();
        if (RecordFramer.FirstLine(_buffer.AsSpan(head.Start, head.End - head.Start)) is not { } line || _skippingPreview is not null || _records.Any(r => r.IsTooLong)) return head;
        _records.Clear();
        BufferVersion++;
        _recordStart = head.Start;
        _recordLine = head.Line;
        QueueFirstLineAlone(line);
        if (Finished) QueueLast();
        return _records.Peek();
    }

    /// <summary>
    /// Reads more of the file (call when no record is queued) and queues the records it completes. Returns the
    /// bytes read: 0 at the current end of the file.
    /// </summary>
    public async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (Finished || _contentGone) return 0;
        MakeRoom();
        if (_records.Count > 0) return 0; // a quote that never closed: its first line and the records after it are queued
        long readAt = ReadOffset;
        int n = await RandomAccess.ReadAsync(_handle, _buffer.AsMemory(_end), readAt, cancellationToken).ConfigureAwait(false);
        if (n == 0) return 0;
        ExtendPrefix(readAt, _buffer.AsSpan(_end, n));
        _end += n;
        if (_bufferOffset == 0 && _start == 0 && _end >= 3 && RecordFramer.BomLength(_buffer.AsSpan(0, _end)) is > 0 and int bom)
        {
            // The consumed position stays at 0 until the first record is handed over: a position taken in between
            // resumes at the start of the file, which skips the mark again and reads a CSV header as a header (a
            // resume at offset 3 took the header for a data row).
            _start = _scan = _recordStart = bom;
        }

        Scan();
        return n;
    }

    /// <summary>The file is complete (read to its end in a batch, or rotated away): what is left is its last record.</summary>
    public void Finish()
    {
        if (Finished) return;
        Finished = true;
        if (_skippingPreview is not null)
        {
            QueueTooLong(ReadOffset, _recordLine + _framer.InnerLineFeeds + 1);
            return;
        }

        QueueLast();
    }

    /// <summary>The file is complete: queues what is left after the last line break as its last record.</summary>
    private void QueueLast()
    {
        while (_recordStart < _end && _framer.TryFrame(_buffer.AsSpan(_recordStart, _end - _recordStart), final: true, out var frame))
        {
            Queue(_recordStart, _recordStart + frame.ContentLength, _recordStart + frame.Length, _recordLine + frame.Lines);
        }

        _scan = _end;
    }

    /// <summary>
    /// Whether the file at <paramref name="path"/> is this one: at least as long as what was read, and starting with
    /// the same bytes. A file that is there but cannot be read now (locked, too many open files) answers
    /// <paramref name="whenUnreadable"/>: true for the file's own path (a passing error is no rotation), false for another.
    /// </summary>
    public async ValueTask<bool> IsAtAsync(string path, CancellationToken cancellationToken, bool whenUnreadable = false)
    {
        try
        {
            using var handle = OpenHandle(path);
            if (RandomAccess.GetLength(handle) < ReadOffset) return false;
            var other = await ReadPrefixAsync(handle, cancellationToken, Prefix.Length).ConfigureAwait(false);
            return other.AsSpan().SequenceEqual(Prefix);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return whenUnreadable;
        }
    }

    /// <summary>Whether the file has bytes: read already, or past where reading is (its writer has written to it).</summary>
    public bool HasBytes()
    {
        if (ReadOffset > 0) return true;
        try
        {
            return RandomAccess.GetLength(_handle) > 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Set once the open file no longer holds what was read from it: nothing more is read (<see cref="HoldsItsContentAsync"/>).</summary>
    private bool _contentGone;

    /// <summary>True once the open file was found not to hold what was read from it (truncated in place): nothing more is read.</summary>
    public bool ContentGone => _contentGone;

    /// <summary>
    /// Whether the open file still holds what was read from it: not when it was truncated in place (and maybe
    /// written again past where reading was), which its path no longer showing it does not tell apart from a file
    /// renamed away. When it does not, the caller marks it (<see cref="MarkContentGone"/>) unless it found the content
    /// elsewhere (a copy).
    /// </summary>
    public async ValueTask<bool> HoldsItsContentAsync(CancellationToken cancellationToken)
    {
        try
        {
            return RandomAccess.GetLength(_handle) >= ReadOffset
                && (await ReadPrefixAsync(_handle, cancellationToken, Prefix.Length).ConfigureAwait(false)).AsSpan().SequenceEqual(Prefix);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The open file no longer holds what was read from it: nothing more is read from it.</summary>
    public void MarkContentGone() => _contentGone = true;

    /// <summary>Continues reading the same file at its new path (renamed, or copied before being truncated).</summary>
    public void MoveTo(string path)
    {
        var handle = OpenHandle(path);
        _handle.Dispose();
        _handle = handle;
        Path = path;
        _contentGone = false;
    }

    /// <summary>The open file is now named <paramref name="path"/> (renamed): read on through the same handle.</summary>
    public void RenamedTo(string path) => Path = path;

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Reads the first record of a file (a CSV header) that is being resumed after it, and its line: blank lines
    /// and comment lines (starting with <paramref name="comment"/>) before it are passed over, as a first read does.
    /// </summary>
    public static async ValueTask<(byte[] Record, long Line)?> ReadFirstRecordAsync(string path, RecordScanner scanner, int maxRecordBytes, byte? comment, CancellationToken cancellationToken)
    {
        using var handle = OpenHandle(path);
        var framer = new RecordFramer(scanner);
        var buffer = new byte[Math.Min(maxRecordBytes, 64 * 1024)];
        int filled = 0, start = -1;
        long line = 1, offset = 0;
        while (true)
        {
            if (filled == buffer.Length && start > 0)
            {
                // Lines passed over (comments, blanks) leave the buffer: only the record being framed counts toward the limit.
                System.Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
                start = 0;
            }

            if (filled == buffer.Length)
            {
                if (buffer.Length >= maxRecordBytes) return null;
                Array.Resize(ref buffer, (int)Math.Min(maxRecordBytes, buffer.Length * 2L));
            }

            int n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(filled), offset, cancellationToken).ConfigureAwait(false);
            filled += n;
            offset += n;
            if (start < 0)
            {
                if (filled < 3 && n > 0) continue;
                start = RecordFramer.BomLength(buffer.AsSpan(0, filled));
            }

            while (framer.TryFrame(buffer.AsSpan(start, filled - start), final: n == 0, out var frame))
            {
                var record = buffer.AsSpan(start, frame.ContentLength);
                if (!IsBlank(record) && !(comment is { } c && record.Length > 0 && record[0] == c)) return (record.ToArray(), line);
                line += System.MemoryExtensions.Count(buffer.AsSpan(start, frame.Length), (byte)'\n');
                start += frame.Length;
            }

            if (n == 0) return null;
        }
    }

    /// <summary>True for a record of spaces and tabs only: not a record at all (<see cref="RecordFramer.IsBlank"/>).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> record) => RecordFramer.IsBlank(record);

    public static string Preview(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes.Length <= PreviewBytes ? bytes : bytes[..PreviewBytes]);

    private static SafeFileHandle OpenHandle(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);

    private static async ValueTask<byte[]> ReadPrefixAsync(SafeFileHandle handle, CancellationToken cancellationToken, int length = PrefixLength)
    {
        var prefix = new byte[(int)Math.Min(length, RandomAccess.GetLength(handle))];
        int filled = 0;
        while (filled < prefix.Length)
        {
            int n = await RandomAccess.ReadAsync(handle, prefix.AsMemory(filled), filled, cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            filled += n;
        }

        return filled == prefix.Length ? prefix : prefix[..filled];
    }

    /// <summary>
    /// Grows the identity with the bytes just read from <paramref name="readAt"/>, while it is shorter than
    /// <see cref="PrefixLength"/>: built from what was read, never re-read, so a file truncated meanwhile cannot
    /// change the identity of the one that was read.
    /// </summary>
    private void ExtendPrefix(long readAt, ReadOnlySpan<byte> read)
    {
        long known = Prefix.Length;
        if (known >= PrefixLength || readAt > known || readAt + read.Length <= known) return;
        int from = (int)(known - readAt);
        int take = (int)Math.Min(PrefixLength - known, read.Length - from);
        Prefix = [.. Prefix, .. read.Slice(from, take)];
    }

    /// <summary>Moves the unconsumed bytes to the front, or grows the buffer when one record fills it.</summary>
    private void MakeRoom()
    {
        BufferVersion++;
        if (_start > 0)
        {
            int kept = _end - _start;
            _buffer.AsSpan(_start, kept).CopyTo(_buffer);
            _bufferOffset += _start;
            _scan -= _start;
            _recordStart -= _start;
            _end = kept;
            _start = 0;
        }

        QueuedEnd = 0;
        if (_end < _buffer.Length) return;
        if (_buffer.Length < _maxRecordBytes)
        {
            Array.Resize(ref _buffer, (int)Math.Min(_maxRecordBytes, _buffer.Length * 2L));
            return;
        }

        // One record fills the largest buffer allowed. When a quote opened in it runs over line breaks, the quote is
        // what is wrong (a CSV record of MaxRecordBytes across lines is a quote that never closed, in a followed file
        // as much as in a batch): its first line alone is the record, and the lines after it are framed again.
        if (_skippingPreview is null && _framer.InnerLineFeeds > 0 && RecordFramer.FirstLine(_buffer.AsSpan(_recordStart, _end - _recordStart)) is { } line)
        {
            QueueFirstLineAlone(line);
            return;
        }

        // Otherwise keep its start for the report and skip to the end of the line.
        _skippingPreview ??= Preview(_buffer.AsSpan(0, _end));
        _bufferOffset += _end;
        _start = _scan = _recordStart = _end = 0;
    }

    private void Scan()
    {
        while (_scan < _end)
        {
            if (_skippingPreview is not null)
            {
                int lineFeed = _buffer.AsSpan(_scan, _end - _scan).IndexOf((byte)'\n');
                if (lineFeed < 0)
                {
                    // Still inside the record that is too long: drop what was read.
                    _bufferOffset += _end;
                    _start = _scan = _recordStart = _end = 0;
                    return;
                }

                _scan += lineFeed + 1;
                QueueTooLong(_bufferOffset + _scan, _recordLine + _framer.InnerLineFeeds + 1);
                _start = _recordStart = _scan;
                continue;
            }

            if (!_framer.TryFrame(_buffer.AsSpan(_recordStart, _end - _recordStart), final: false, out var frame))
            {
                _scan = _end;
                return;
            }

            Queue(_recordStart, _recordStart + frame.ContentLength, _recordStart + frame.Length, _recordLine + frame.Lines);
            _scan = _recordStart;
        }
    }

    /// <summary>Queues the first line of the record at <see cref="_recordStart"/> as a record of its own and frames the bytes after it again.</summary>
    private void QueueFirstLineAlone(RecordFrame line)
    {
        Queue(_recordStart, _recordStart + line.ContentLength, _recordStart + line.Length, _recordLine + line.Lines);
        _scan = _recordStart;
        Scan();
    }

    private void Queue(int start, int end, int next, long nextLine)
    {
        _records.Enqueue(new RecordRef(start, end, next, _recordLine, _bufferOffset + next, nextLine, null));
        QueuedEnd = next;
        _recordStart = next;
        _recordLine = nextLine;
        _framer.Reset();
    }

    private void QueueTooLong(long nextOffset, long nextLine)
    {
        _records.Enqueue(new RecordRef(0, 0, 0, _recordLine, nextOffset, nextLine, _skippingPreview));
        _skippingPreview = null;
        _recordLine = nextLine;
        _framer.Reset();
    }
}
