namespace Pipelines.Files.Reading;

/// <summary>A complete record found in a <see cref="FileCursor"/>'s buffer (or one too long to keep).</summary>
/// <param name="Start">Index of its first byte in the buffer.</param>
/// <param name="End">Index after its last byte, without the line break.</param>
/// <param name="NextIndex">Index of the next record in the buffer.</param>
/// <param name="Line">The 1-based line it starts on.</param>
/// <param name="NextOffset">File offset of the next record: where a resumed read starts once this one is handed over.</param>
/// <param name="NextLine">The line the next record starts on.</param>
/// <param name="TooLongPreview">For a record longer than the limit (its bytes are gone): its first bytes as text; else null.</param>
internal readonly record struct RecordRef(int Start, int End, int NextIndex, long Line, long NextOffset, long NextLine, string? TooLongPreview)
{
    public bool IsTooLong => TooLongPreview is not null;
}
