namespace Pipelines.Files;

/// <summary>
/// A line (a record, for CSV records that span lines) that could not be read, as it reaches the dead-letter
/// sink in <see cref="DeadLetter.Element"/>; the reason is in <see cref="DeadLetter.Exception"/>, a
/// <see cref="MalformedLineException"/>.
/// </summary>
/// <param name="File">The file's full path.</param>
/// <param name="LineNumber">The 1-based line where the record starts.</param>
/// <param name="Text">The raw text (without the line break); for a record longer than the limit, its first 1024 bytes.</param>
public sealed record MalformedLine(string File, long LineNumber, string Text)
{
    /// <summary>The raw text: an error naming this element gives the location once, in its <see cref="MalformedLineException"/>.</summary>
    public override string ToString() => Text;
}
