namespace Pipelines.Files;

/// <summary>Why a line of a file could not be read; the message names the file, the line and the reason.</summary>
public sealed class MalformedLineException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The file's full path.</param>
    /// <param name="lineNumber">The 1-based line where the record starts.</param>
    /// <param name="reason">What is wrong with it.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public MalformedLineException(string file, long lineNumber, string reason, Exception? innerException = null)
        : base($"{file} line {lineNumber}: {reason}", innerException)
    {
        File = file;
        LineNumber = lineNumber;
        Reason = reason;
    }

    /// <summary>The file's full path.</summary>
    public string File { get; }

    /// <summary>The 1-based line where the record starts.</summary>
    public long LineNumber { get; }

    /// <summary>What is wrong with the line.</summary>
    public string Reason { get; }
}
