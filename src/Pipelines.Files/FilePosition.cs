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
/// was renamed within the pattern; files without an entry are read from their start, and entries whose file is
/// gone are ignored.
/// </remarks>
/// <param name="Files">Where each file was left.</param>
public sealed record FilePosition(IReadOnlyList<FileOffset> Files)
{
    /// <summary>Increases with every capture of one reader, so an older position is never saved over a newer one.</summary>
    [JsonIgnore]
    internal long Sequence { get; init; }
}
