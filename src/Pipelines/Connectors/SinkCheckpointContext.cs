namespace Pipelines;

/// <summary>
/// Facts about the checkpoints of the run a sink writer starts in, given to <see cref="SinkWriter{T}.StartCheckpointsAsync"/>:
/// the checkpoint it restores and the run's checkpoint settings, for a writer whose resources depend on them (a
/// transactional sink sizes its pool of transactions by <see cref="TolerableCheckpointFailures"/> and checks its
/// transaction timeout against <see cref="CheckpointInterval"/>).
/// </summary>
public sealed class SinkCheckpointContext
{
    internal SinkCheckpointContext(long? restoredCheckpointId, TimeSpan checkpointInterval, int tolerableCheckpointFailures)
    {
        RestoredCheckpointId = restoredCheckpointId;
        CheckpointInterval = checkpointInterval;
        TolerableCheckpointFailures = tolerableCheckpointFailures;
    }

    /// <summary>The checkpoint the run resumes from, or null when it starts from the beginning.</summary>
    public long? RestoredCheckpointId { get; }

    /// <summary>
    /// <see cref="StreamingOptions.CheckpointInterval"/>: how often a checkpoint starts, so about how long what a sink
    /// pre-commits waits for its commit; <see cref="Timeout.InfiniteTimeSpan"/> when the run takes no checkpoint on an interval.
    /// </summary>
    public TimeSpan CheckpointInterval { get; }

    /// <summary>
    /// <see cref="StreamingOptions.TolerableCheckpointFailures"/>: how many checkpoints in a row may be aborted
    /// (<see cref="SinkWriter{T}.AbortCheckpointAsync"/>) before the run fails, so how many pre-commits, plus the one in
    /// flight, can wait for a commit at once.
    /// </summary>
    public int TolerableCheckpointFailures { get; }
}
