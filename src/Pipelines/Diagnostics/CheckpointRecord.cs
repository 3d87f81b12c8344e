namespace Pipelines.Diagnostics;

/// <summary>One checkpoint of a streaming run (see <see cref="StreamingOptions.CheckpointInterval"/>).</summary>
/// <param name="Id">The checkpoint's number within the run, from 1.</param>
/// <param name="EndedAt">When it completed or failed.</param>
/// <param name="Duration">From the barrier's injection to the end of the commits.</param>
/// <param name="SizeBytes">Bytes of state it wrote, when known; null for checkpoints that record source positions only.</param>
/// <param name="Error">Why it failed (a source's commit threw), or null when it completed.</param>
public sealed record CheckpointRecord(long Id, DateTimeOffset EndedAt, TimeSpan Duration, long? SizeBytes, string? Error)
{
    /// <summary>True when the checkpoint failed.</summary>
    public bool Failed => Error is not null;
}
