namespace Pipelines;

/// <summary>
/// Facts about the checkpoints of the run a sink writer starts in, given to <see cref="SinkWriter{T}.StartCheckpointsAsync"/>:
/// the checkpoint it restores and the run's checkpoint settings, for a writer whose resources depend on them (a
/// transactional sink sizes its pool of transactions by <see cref="TolerableCheckpointFailures"/> and checks its
/// transaction timeout against <see cref="CheckpointInterval"/>).
/// </summary>
public sealed class SinkCheckpointContext
{
    internal SinkCheckpointContext(long? restoredCheckpointId, TimeSpan checkpointInterval, int tolerableCheckpointFailures, bool afterMovingState = false, IPartitionedStateSource? movingStateSource = null)
    {
        MovingStateSource = movingStateSource;
        RestoredCheckpointId = restoredCheckpointId;
        CheckpointInterval = checkpointInterval;
        TolerableCheckpointFailures = tolerableCheckpointFailures;
        AfterMovingState = afterMovingState;
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

    /// <summary>
    /// True when the sink is downstream of a keyed stage whose state moves between instances with the partitions of
    /// an exchange (a Kafka <c>Repartition</c> with a <see cref="StreamingOptions.CheckpointStorage"/> the instances
    /// share). Then the results of one partition's keys come from whichever instance owns it, in turn, each within
    /// its own run's checkpoints: <see cref="RestoredCheckpointId"/> is null in every run (positions come from the
    /// exchange's consumer group, state from the partitions' snapshots), and after a move the new owner emits again
    /// the results of the records after the partition's last committed checkpoint. A sink whose exactly-once
    /// output follows one run's checkpoints (transactions committed per checkpoint, or a recovery that discards what
    /// later checkpoints of the same job staged) cannot keep that promise across owners, and should refuse to start
    /// unless it commits each partition's results with that partition's position (<see cref="ResultsCarryPartitions"/>);
    /// an at-least-once sink that upserts by (key, window) converges.
    /// </summary>
    public bool AfterMovingState { get; }

    /// <summary>
    /// The exchange's source whose partitions the keyed state before the sink moves with, when each result the sink
    /// receives carries the partition that produced it (<see cref="ResultsCarryPartitions"/>); else null. A sink of the
    /// same connector as the exchange can commit its results together with the exchange's positions.
    /// </summary>
    public IPartitionedStateSource? MovingStateSource { get; }

    /// <summary>
    /// True when the sink's input comes from a keyed stage whose state moves with an exchange's partitions
    /// (<see cref="AfterMovingState"/>) through operators that keep each result's origin (<c>Where</c>, <c>Select</c>,
    /// <c>SelectMany</c>, <c>WithEventTime</c>): a writer with <see cref="SinkWriter{T}.AcceptsStatePartitions"/> then
    /// receives each result with its partition, and hears of partitions that move away. Exactly-once output is
    /// possible on that basis: hold each partition's results until the checkpoint commits them with the exchange's
    /// positions, and drop those of a partition that moves before then.
    /// </summary>
    public bool ResultsCarryPartitions => MovingStateSource is not null;
}
