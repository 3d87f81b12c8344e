namespace Pipelines.Files.Reading;

/// <summary>
/// How far a file source had read when it was captured: one entry per file, as a checkpoint saves them. Immutable,
/// so a checkpoint can save it on another thread while the reader goes on. <see cref="Sequence"/> orders captures,
/// so an older position is never saved over a newer one.
/// </summary>
/// <param name="Sequence">Increases with every capture of one reader.</param>
/// <param name="Files">Where each file was left.</param>
internal sealed record FilePosition(long Sequence, IReadOnlyList<CheckpointEntry> Files);
