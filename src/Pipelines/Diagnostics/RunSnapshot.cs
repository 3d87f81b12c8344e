namespace Pipelines.Diagnostics;

/// <summary>A run's live counters at one moment (<see cref="MonitoredRun.Snapshot"/>).</summary>
public sealed record RunSnapshot
{
    /// <summary>When the snapshot was taken (the run's clock).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The run's state at that time.</summary>
    public required RunState State { get; init; }

    /// <summary>Time since the run started (until it ended, for an ended run).</summary>
    public required TimeSpan Uptime { get; init; }

    /// <summary>The run's totals so far: what <see cref="RunSummary"/> will hold at the end.</summary>
    public required RunSummary Totals { get; init; }

    /// <summary>One entry per <see cref="MonitoredRun.Nodes"/>, in the same order.</summary>
    public required IReadOnlyList<NodeSnapshot> Nodes { get; init; }

    /// <summary>Checkpoints completed so far.</summary>
    public long CheckpointsCompleted { get; init; }

    /// <summary>
    /// Checkpoints failed so far: a source could not commit its position. The run goes on and the next
    /// checkpoint commits again; <see cref="RunSummary.CheckpointsCompleted"/> counts these too.
    /// </summary>
    public long CheckpointsFailed { get; init; }

    /// <summary>The most recent completed checkpoint, or null.</summary>
    public CheckpointRecord? LastCompletedCheckpoint { get; init; }

    /// <summary>The last checkpoints (at most 10, completed and failed), newest first.</summary>
    public IReadOnlyList<CheckpointRecord> RecentCheckpoints { get; init; } = [];
}
