namespace Pipelines.Checkpoints;

/// <summary>A sink worker as checkpoints that store state see it: the second phase of its two-phase commit, and recovery on restore.</summary>
internal interface ICommittingSink
{
    /// <summary>The sink's name, for logs.</summary>
    string Name { get; }

    /// <summary>Checkpoint <paramref name="checkpointId"/> is durable: make what the sink pre-committed up to it visible.</summary>
    ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken);

    /// <summary>Checkpoint <paramref name="checkpointId"/> could not be stored: nothing is committed for it; what the sink pre-committed for it goes with the next.</summary>
    ValueTask AbortCheckpointAsync(long checkpointId, CancellationToken cancellationToken);

    /// <summary>The run resumes from <see cref="SinkCheckpointContext.RestoredCheckpointId"/>: commit what it pre-committed, discard what later ones did.</summary>
    ValueTask RecoverAsync(SinkCheckpointContext context, CancellationToken cancellationToken);
}
