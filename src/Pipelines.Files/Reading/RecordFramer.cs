namespace Pipelines.Files.Reading;

/// <summary>
/// Record framing as pure functions over UTF-8 bytes, with no I/O and no buffer of its own: where the record that
/// starts a span ends (<see cref="TryFrame"/>), where the first line of a misframed record ends
/// (<see cref="FirstLine"/>), the byte order mark (<see cref="BomLength"/>) and blank lines (<see cref="IsBlank"/>).
/// A record ends at a line feed — for CSV one outside a quoted field (<see cref="RecordScanner"/>) — or, when the
/// input is complete, at its end; a carriage return before the line feed is not part of it. The value carries what
/// it has scanned of an incomplete record, so a record arriving in pieces is scanned once.
/// </summary>
/// <param name="scanner">Finds line feeds that end records (quote-aware for CSV).</param>
internal struct RecordFramer(RecordScanner scanner)
{
    private const byte LineFeed = (byte)'\n';
    private const byte CarriageReturn = (byte)'\r';
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private RecordScanner _scanner = scanner;

    /// <summary>How many bytes of the current record have been scanned (from its first byte).</summary>
    private int _scanned;

    /// <summary>Line feeds inside the current record so far (in quoted CSV fields).</summary>
    public readonly int InnerLineFeeds => _scanner.InnerLineFeeds;

    /// <summary>
    /// Frames the record that starts at <paramref name="data"/>[0]. True when it is complete: it ends at a line feed
    /// in <paramref name="data"/>, or, when <paramref name="final"/> (no byte follows <paramref name="data"/>), at the
    /// end of a non-empty <paramref name="data"/>; the framer is then ready for the next record. False when more
    /// bytes are needed: call again with the same start and more bytes (<paramref name="data"/> may have moved in
    /// memory, but must hold the same bytes at its start).
    /// </summary>
    /// <param name="data">The bytes from the record's first byte to the end of what is available.</param>
    /// <param name="final">True when nothing follows <paramref name="data"/> (the end of the file).</param>
    /// <param name="frame">The record, when the method returns true.</param>
    public bool TryFrame(ReadOnlySpan<byte> data, bool final, out RecordFrame frame)
    {
        if (_scanned < data.Length)
        {
            int end = _scanner.FindEnd(data[_scanned..]);
            if (end >= 0)
            {
                int lineFeed = _scanned + end;
                frame = new RecordFrame(WithoutCarriageReturn(data[..lineFeed]), lineFeed + 1, _scanner.InnerLineFeeds + 1);
                Reset();
                return true;
            }

            _scanned = data.Length;
        }

        if (final && data.Length > 0)
        {
            frame = new RecordFrame(WithoutCarriageReturn(data), data.Length, _scanner.InnerLineFeeds + 1);
            Reset();
            return true;
        }

        frame = default;
        return false;
    }

    /// <summary>Forgets the current record: the next call frames a record from its first byte.</summary>
    public void Reset()
    {
        _scanner.Reset();
        _scanned = 0;
    }

    /// <summary>
    /// The first line of a record that runs over line breaks (a quote that opened a field and was never closed
    /// where it should have been): that line alone, so that the lines after it are framed again as records of
    /// their own. Null when <paramref name="record"/> holds no line feed.
    /// </summary>
    /// <param name="record">The record's bytes.</param>
    public static RecordFrame? FirstLine(ReadOnlySpan<byte> record)
    {
        int lineFeed = record.IndexOf(LineFeed);
        return lineFeed < 0 ? null : new RecordFrame(WithoutCarriageReturn(record[..lineFeed]), lineFeed + 1, 1);
    }

    /// <summary>How many bytes at the start of a file are its UTF-8 byte order mark: 3 or 0.</summary>
    /// <param name="fileStart">The file's first bytes (at least 3, or the whole file).</param>
    public static int BomLength(ReadOnlySpan<byte> fileStart) => fileStart.StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;

    /// <summary>True for a record of spaces, tabs and carriage returns only (an empty line): not a record at all.</summary>
    /// <param name="record">The record's bytes.</param>
    public static bool IsBlank(ReadOnlySpan<byte> record) => record.IndexOfAnyExcept((byte)' ', (byte)'\t', CarriageReturn) < 0;

    private static int WithoutCarriageReturn(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == CarriageReturn ? line.Length - 1 : line.Length;
}

/// <summary>A framed record, relative to the start of the span it was framed in.</summary>
/// <param name="ContentLength">Its bytes without the line break (<c>\n</c> or <c>\r\n</c>).</param>
/// <param name="Length">Its bytes with the line break: where the next record starts.</param>
/// <param name="Lines">How many lines it moves the line count on: 1 plus the line feeds inside it.</param>
internal readonly record struct RecordFrame(int ContentLength, int Length, int Lines);
