using System.Text.Json.Serialization;

namespace Pipelines.Files;

/// <summary>Where a file source left one file: the file's identity and the first record not read yet.</summary>
/// <param name="Path">Where the file was, as a full path.</param>
/// <param name="PrefixLength">How many of its first bytes <paramref name="PrefixSha256"/> covers (at most 1024).</param>
/// <param name="PrefixSha256">The SHA-256 of those bytes, in hex: the file's identity.</param>
/// <param name="Offset">Byte offset of the first record not read.</param>
/// <param name="Line">Line number (1-based) of that record.</param>
public sealed record FileOffset(string Path, int PrefixLength, string PrefixSha256, long Offset, long Line)
{
    /// <summary>
    /// For a file rotated out of a followed pattern while it was read (<see cref="FileSourceOptions.RotateWait"/>):
    /// where it was, the name its writer's new log has. A resumed run reads the new log only after this file. Null
    /// for any other file.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RotatedFrom { get; init; }
}
