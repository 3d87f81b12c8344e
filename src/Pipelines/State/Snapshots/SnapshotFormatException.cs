namespace Pipelines.State.Snapshots;

/// <summary>A snapshot's bytes do not follow the format: truncated, damaged or written by another version.</summary>
internal sealed class SnapshotFormatException(string message) : Exception(message);
