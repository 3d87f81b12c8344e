namespace Pipelines.Files.Reading;

/// <summary>
/// Finds where records end in UTF-8 bytes. JSON Lines: at every line feed. CSV (RFC 4180): at a line feed that
/// is not inside a quoted field, where a quote opens a field only at its start and a doubled quote inside is
/// an escaped quote — the rules CsvHelper parses by, so both agree on where records are. When values are trimmed
/// (<c>TrimWhitespace</c>), whitespace before a quote does not keep it from opening the field, as in CsvHelper.
/// The state survives between calls, so a record may arrive in pieces.
/// </summary>
/// <param name="csv">CSV rather than JSON Lines.</param>
/// <param name="quote">The quote character.</param>
/// <param name="separator">The field separator.</param>
/// <param name="lineBreaksInQuotes">Whether a quoted field may hold line breaks.</param>
/// <param name="leadingWhitespace">The characters that may come before a field's opening quote (trimmed values), or null.</param>
internal struct RecordScanner(bool csv, byte quote, byte separator, bool lineBreaksInQuotes, byte[]? leadingWhitespace = null)
{
    private const byte LineFeed = (byte)'\n';
    private State _state;

    private enum State : byte
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    /// <summary>Line feeds inside the current record so far (in quoted CSV fields).</summary>
    public int InnerLineFeeds { get; private set; }

    /// <summary>Index of the line feed that ends the current record, or -1 when <paramref name="data"/> ends first.</summary>
    public int FindEnd(ReadOnlySpan<byte> data)
    {
        if (!csv) return data.IndexOf(LineFeed);
        int i = 0;
        while (i < data.Length)
        {
            byte c = data[i];
            switch (_state)
            {
                case State.FieldStart:
                    if (c == LineFeed) return i;
                    _state = c == quote ? State.Quoted
                        : c == separator || (leadingWhitespace is { } blank && blank.AsSpan().Contains(c)) ? State.FieldStart
                        : State.Unquoted;
                    i++;
                    break;
                case State.Unquoted:
                {
                    int next = data[i..].IndexOfAny(separator, LineFeed);
                    if (next < 0) return -1;
                    i += next;
                    if (data[i] == LineFeed) return i;
                    _state = State.FieldStart;
                    i++;
                    break;
                }

                case State.Quoted:
                {
                    int next = data[i..].IndexOfAny(quote, LineFeed);
                    if (next < 0) return -1;
                    i += next;
                    if (data[i] == LineFeed)
                    {
                        if (!lineBreaksInQuotes) return i;
                        InnerLineFeeds++;
                    }
                    else
                    {
                        _state = State.QuoteInQuoted;
                    }

                    i++;
                    break;
                }

                default:
                    if (c == LineFeed) return i;
                    _state = c == quote ? State.Quoted : c == separator ? State.FieldStart : State.Unquoted;
                    i++;
                    break;
            }
        }

        return -1;
    }

    /// <summary>Starts the next record.</summary>
    public void Reset()
    {
        _state = State.FieldStart;
        InnerLineFeeds = 0;
    }
}
