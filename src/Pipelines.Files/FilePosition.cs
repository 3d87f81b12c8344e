using System.Text.Json.Serialization;

namespace Pipelines.Files;

/// <summary>
/// How far a file source has read: where each of its files was left (<see cref="FileOffset"/>). The position a
/// file source's reader captures at each checkpoint and saves to <see cref="FileSourceOptions.CheckpointPath"/>;
/// pass one to <see cref="Source{T, TPosition}.ResumeFrom"/> (or <see cref="Source{T, TPosition}.OpenAsync(SourceContext, TPosition, CancellationToken)"/>)
/// to resume there instead of at the checkpoint file. Immutable; serializes with System.Text.Json.
/// </summary>
/// <remarks>
/// A file is matched to its entry by its fingerprint, not its name, so a position still applies after the file
/// was renamed; files without an entry are read from their start. In follow mode an entry no file of the pattern
/// holds is looked for among the other files of the pattern's directory (a file rotated out of the pattern) and
/// read on from there as a rotated file (<see cref="FileSourceOptions.RotateWait"/>); entries whose file is gone
/// are ignored.
/// </remarks>
/// <param name="Files">Where each file was left.</param>
public sealed record FilePosition(IReadOnlyList<FileOffset> Files)
{
    /// <summary>Increases with every capture of one reader, so an older position is never saved over a newer one.</summary>
    [JsonIgnore]
    internal long Sequence { get; init; }
}
