namespace Pipelines.Files.Reading;

/// <summary>A file format for reading: how records are delimited and how one file's records become elements.</summary>
internal abstract class RecordFormat<T>
{
    /// <summary>"JsonLines" or "Csv", for names and messages.</summary>
    public abstract string Kind { get; }

    /// <summary>Whether each file starts with a header record.</summary>
    public abstract bool HasHeader { get; }

    public abstract RecordScanner CreateScanner();

    /// <summary>A parser for one file.</summary>
    public abstract RecordParser<T> CreateParser();

    /// <summary>
    /// Whether a record that failed with <paramref name="cause"/> may have been framed wrongly (a stray or unclosed
    /// quote that made it run over line breaks), so that only its first line is reported and the lines after it are
    /// read again as records of their own.
    /// </summary>
    public virtual bool MayBeMisframed(Exception? cause) => false;

    /// <summary>The byte that starts a comment line, which is not a record (nor a header), or null.</summary>
    public virtual byte? CommentStart => null;
}

/// <summary>What a record turned out to be.</summary>
internal enum ParseOutcome
{
    /// <summary>An element.</summary>
    Element,

    /// <summary>Not a record: a header, or a line the format skips (comments).</summary>
    NotARecord,

    /// <summary>A record that cannot be read.</summary>
    Malformed,
}

/// <summary>Turns the records of one file into elements.</summary>
internal abstract class RecordParser<T> : IDisposable
{
    /// <summary>The header of a file whose reading resumes after it.</summary>
    public virtual void SetHeader(byte[] header, long line)
    {
    }

    public abstract ParseOutcome Parse(FileCursor cursor, in RecordRef record, out T value, out string reason, out Exception? cause);

    public virtual void Dispose()
    {
    }
}
