using System.Text;
using System.Text.RegularExpressions;
using CsvHelper;

namespace Pipelines.Files.Reading;

/// <summary>
/// CSV through CsvHelper. Record boundaries come from <see cref="RecordScanner"/>; CsvHelper reads the complete
/// records queued in a file's buffer (one reader per stretch of records, in place) and maps them with one
/// record mapper per file, made from that file's header. Malformed quoting and field count mismatches are
/// errors here, never silently recovered or skipped: they go to the source's error policy.
/// </summary>
internal sealed partial class CsvFormat<T> : RecordFormat<T>
{
    private readonly CsvReaderOptions _records;
    private readonly CsvReaderOptions _header;
    private readonly CsvRecordMapper<T>? _headerlessMapper;

    public CsvFormat(CsvReaderOptions options)
    {
        if (options.Mode != CsvMode.Rfc4180) throw new ArgumentException($"CSV sources read CsvMode.Rfc4180 files only, not {options.Mode}.", nameof(options));

        // Records are framed, resumed and checkpointed by their bytes in the file, which CsvHelper's offsets match only
        // for UTF-8: transcoding another encoding, it counts the bytes of the UTF-8 it makes, and records went missing.
        if (options.Encoding is { } encoding && encoding.CodePage != Encoding.UTF8.CodePage)
        {
            throw new ArgumentException(
                $"CSV sources read UTF-8 files (with or without a byte order mark), not {encoding.EncodingName}: convert the files to UTF-8 first " +
                $"(iconv -f {encoding.WebName} -t UTF-8), and leave CsvReaderOptions.Encoding unset.", nameof(options));
        }

        var strict = options with
        {
            Separator = options.Separator ?? ',',
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = options.FieldCountMismatch == CsvFieldCountHandling.Skip ? CsvFieldCountHandling.Throw : options.FieldCountMismatch,
            OnRecordError = null,
            TrackLineNumbers = false,
        };
        _records = strict with { HasHeader = false };
        _header = strict with { HasHeader = true };
        HasHeader = options.HasHeader;
        _headerlessMapper = CsvMapping.EnsureReadable<T>(_records, HasHeader);
    }

    public override string Kind => "Csv";

    public override bool HasHeader { get; }

    public override RecordScanner CreateScanner() =>
        new(true, (byte)_records.Quote, (byte)_records.Separator!.Value, _records.AllowLineBreaksInQuotes, LeadingWhitespace(_records));

    /// <summary>What may come before a field's opening quote: the whitespace characters when values are trimmed (space and tab unless set).</summary>
    private static byte[]? LeadingWhitespace(CsvReaderOptions options) =>
        options.TrimWhitespace == true ? [.. (options.WhitespaceCharacters ?? " \t").Where(char.IsAscii).Select(c => (byte)c)] : null;

    public override RecordParser<T> CreateParser() => new Parser(this);

    public override byte? CommentStart => _records.CommentPrefix is { } comment ? (byte)comment : null;

    /// <summary>Anything but a field that could not be converted (its record was framed well) may come from a stray quote.</summary>
    public override bool MayBeMisframed(Exception? cause) => cause is not CsvFormatException { Member: not null };

    /// <summary>The message of a CsvHelper error without its record number and byte offset, which count from where a reader started.</summary>
    internal static string Reason(CsvFormatException ex) => ex.Member is not null && ex.InnerException is not null
        ? $"cannot read {ex.Member} from field {ex.FieldIndex}: {ex.InnerException.Message}"
        : PositionText().Replace(ex.Message, string.Empty);

    [GeneratedRegex(@" (in|of) record \d+| \(byte offset \d+\)")]
    private static partial Regex PositionText();

    private sealed class Parser(CsvFormat<T> format) : RecordParser<T>
    {
        private CsvRecordMapper<T>? _mapper = format._headerlessMapper;
        private string? _headerError;
        private Exception? _headerCause;
        private CsvReader? _chunk;
        private int _chunkVersion;
        private int _chunkStart;
        private int _chunkEnd;
        private int _pending = -1;
        private int _headerFields;

        public override void SetHeader(byte[] header, long line) => ReadHeader(header, line);

        public override ParseOutcome Parse(FileCursor cursor, in RecordRef record, out T value, out string reason, out Exception? cause)
        {
            value = default!;
            reason = string.Empty;
            cause = null;
            if (format._records.CommentPrefix is { } comment && record.End > record.Start && cursor.Buffer.Span[record.Start] == (byte)comment)
            {
                return ParseOutcome.NotARecord;
            }

            if (LoneCarriageReturn(cursor.Buffer.Span[record.Start..record.End]) >= 0)
            {
                // CsvHelper would end a record there and this reader, which ends records at line feeds, would not:
                // the records in between would be lost without a word. The line goes to the error policy instead.
                reason = "a carriage return without a line feed inside the line (records end at a line feed: convert CR-only line ends, as classic Mac OS wrote them, to LF or CRLF)";
                if (_mapper is null && _headerError is null) _headerError = "the header line has " + reason;
                return ParseOutcome.Malformed;
            }

            if (_mapper is null && _headerError is null)
            {
                ReadHeader(cursor.Buffer.Span[record.Start..record.End].ToArray(), record.Line);
                if (_headerError is null) return ParseOutcome.NotARecord;
            }

            if (_headerError is not null)
            {
                reason = _headerError;
                cause = _headerCause;
                return ParseOutcome.Malformed;
            }

            var reader = ChunkFor(cursor, record);
            try
            {
                if (_pending < 0) _pending = reader.Read() ? _chunkStart + (int)reader.ByteOffset : int.MaxValue;
            }
            catch (CsvFormatException ex)
            {
                // Comment lines never get here, so CsvHelper failed on this record, unless ShouldSkipRecord dropped it
                // and the failure lies in a later one. Either way the next record starts a new reader.
                bool later = format._records.ShouldSkipRecord is not null && record.NextIndex < _chunkEnd && _chunkStart + ex.ByteOffset >= record.NextIndex;
                DropChunk();
                if (later) return ParseOutcome.NotARecord;
                reason = Reason(ex);
                cause = ex;
                return ParseOutcome.Malformed;
            }

            if (_pending > record.Start) return ParseOutcome.NotARecord; // CsvHelper passed over it (ShouldSkipRecord)
            if (_pending < record.Start)
            {
                // The reader is behind (it cannot be, as both split records alike); start over at this record.
                DropChunk();
                return Parse(cursor, record, out value, out reason, out cause);
            }

            _pending = -1;
            if (_headerFields > 0 && reader.FieldCount != _headerFields)
            {
                reason = $"expected {_headerFields} fields, as the header has, found {reader.FieldCount}";
                return ParseOutcome.Malformed;
            }

            try
            {
                value = reader.GetRecord(_mapper!);
                return ParseOutcome.Element;
            }
            catch (CsvFormatException ex)
            {
                reason = ex.Member is not null && ex.FieldIndex >= reader.FieldCount
                    ? $"expected {ex.FieldIndex + 1} fields or more ({ex.Member} is field {ex.FieldIndex + 1}), found {reader.FieldCount}"
                    : Reason(ex);
                cause = ex;
                return ParseOutcome.Malformed;
            }
        }

        public override void Dispose() => DropChunk();

        /// <summary>The index of a carriage return outside quotes that no line feed follows (the last byte may be a CRLF's), or -1.</summary>
        private int LoneCarriageReturn(ReadOnlySpan<byte> line)
        {
            if (line.IndexOf((byte)'\r') < 0) return -1;
            byte quote = (byte)format._records.Quote, separator = (byte)format._records.Separator!.Value;
            bool quoted = false, fieldStart = true;
            for (int i = 0; i < line.Length; i++)
            {
                byte c = line[i];
                if (quoted)
                {
                    if (c != quote) continue;
                    if (i + 1 < line.Length && line[i + 1] == quote) i++;
                    else quoted = false;
                    continue;
                }

                if (c == quote && fieldStart)
                {
                    quoted = true;
                    fieldStart = false;
                    continue;
                }

                if (c == (byte)'\r' && i < line.Length - 1 && line[i + 1] != (byte)'\n') return i;
                fieldStart = c == separator;
            }

            return -1;
        }

        private void ReadHeader(byte[] header, long line)
        {
            try
            {
                using var reader = CsvReader.Create(header, format._header);
                reader.ReadHeader();
                _mapper = CsvRecordMapper.Create<T>(reader);
                using var fields = CsvReader.Create(header, format._records);
                _headerFields = fields.Read() ? fields.FieldCount : 0;
            }
            catch (Exception ex) when (ex is CsvFormatException or KeyNotFoundException)
            {
                _headerError = $"the file's header (line {line}) does not fit {typeof(T).Name}: {(ex is CsvFormatException csv ? Reason(csv) : ex.Message)}";
                _headerCause = ex;
            }
        }

        private CsvReader ChunkFor(FileCursor cursor, in RecordRef record)
        {
            if (_chunk is not null && cursor.BufferVersion == _chunkVersion && record.Start >= _chunkStart && record.NextIndex <= _chunkEnd) return _chunk;
            DropChunk();
            _chunkVersion = cursor.BufferVersion;
            _chunkStart = record.Start;
            _chunkEnd = Math.Max(cursor.QueuedEnd, record.NextIndex);
            _chunk = CsvReader.Create(cursor.Buffer[_chunkStart.._chunkEnd], format._records);
            return _chunk;
        }

        private void DropChunk()
        {
            _chunk?.Dispose();
            _chunk = null;
            _pending = -1;
        }
    }
}
