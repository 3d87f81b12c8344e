namespace Pipelines;

/// <summary>Writes results for one run. Backpressure is the time <see cref="WriteAsync"/> takes.</summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class SinkWriter<T> : IAsyncDisposable
{
    /// <summary>
    /// The synchronous fast path: writes as many leading items as it can without waiting and returns how many
    /// (all of them for sinks that never wait, such as in-memory collections or counters). The executor copies
    /// the rest and passes it to <see cref="WriteAsync"/>. The default writes nothing and returns 0, so every batch
    /// goes through <see cref="WriteAsync"/>; overriding it saves that copy. <paramref name="items"/> is valid only
    /// during the call.
    /// </summary>
    /// <param name="items">The results, in order.</param>
    /// <returns>How many leading items were written.</returns>
    public virtual int TryWrite(ReadOnlySpan<T> items) => 0;

    /// <summary>Writes a batch. <paramref name="items"/> stays valid until the returned task completes.</summary>
    /// <param name="items">The results, in order.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken);

    /// <summary>
    /// A checkpoint: make every item written so far durable, or hand it to where it cannot be lost (wait for
    /// outstanding deliveries, finish open files), before the sources commit the positions it came from. Called by
    /// the streaming executor only when a source commits during the run (<see cref="SourceReader{T, TPosition}.CommitsDuringRun"/>),
    /// after every earlier write has completed. The default does nothing, which is right for writers that hand items
    /// on synchronously. An exception fails the run.
    /// </summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    public virtual ValueTask FlushAsync(CancellationToken cancellationToken) => default;

    /// <summary>
    /// Two-phase commit, first phase: checkpoint <paramref name="checkpointId"/>'s barrier reached the sink, after
    /// every earlier write completed. Stage what was written since the last pre-commit so that it survives a crash
    /// but is not yet visible (a part file under a hidden name, an open transaction). Called instead of
    /// <see cref="FlushAsync"/>, which is the default. At the end of a drained run it is called once more, for the
    /// final checkpoint, after the last write and before <see cref="CompleteAsync"/>. An exception fails the run.
    /// </summary>
    /// <param name="checkpointId">The checkpoint; ids only grow.</param>
    /// <param name="cancellationToken">Cancels the pre-commit.</param>
    public virtual ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    /// <summary>
    /// Two-phase commit, second phase: checkpoint <paramref name="checkpointId"/> is durable in the
    /// <see cref="StreamingOptions.CheckpointStorage"/>, so everything pre-committed up to it becomes visible (rename
    /// the part files, commit the transaction). Called on another thread than the writes, at most once per checkpoint,
    /// in order; a checkpoint whose commit never came (a crash) is committed by <see cref="RecoverAsync"/> of the next
    /// run. Only with a checkpoint storage; the default does nothing (output is visible as written: at-least-once).
    /// Once the checkpoint is stored a restart resumes after it, so this is called even when the run is being stopped
    /// or is failing, before <see cref="AbortAsync"/>; its token is cancelled only after a minute (a commit that throws
    /// or times out is logged as an error naming the checkpoint and fails the run, whose restart commits it through
    /// <see cref="RecoverAsync"/>).
    /// </summary>
    /// <param name="checkpointId">The completed checkpoint.</param>
    /// <param name="cancellationToken">Cancelled when the commit takes longer than a minute; not by a stop or failure of the run.</param>
    public virtual ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken) => default;

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> could not be stored and is aborted (within
    /// <see cref="StreamingOptions.TolerableCheckpointFailures"/>): <see cref="CommitCheckpointAsync"/> will not be
    /// called for it. What the sink pre-committed for it stays staged: the next completed checkpoint's
    /// <see cref="CommitCheckpointAsync"/> commits it, since it commits everything pre-committed up to its id. Called
    /// on another thread than the writes, like <see cref="CommitCheckpointAsync"/>. The default does nothing, which
    /// is right for writers that commit everything pre-committed up to the id they are given; a writer that keeps
    /// one transaction per checkpoint can fold the aborted one into the next here. An exception fails the run.
    /// </summary>
    /// <param name="checkpointId">The aborted checkpoint.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual ValueTask AbortCheckpointAsync(long checkpointId, CancellationToken cancellationToken) => default;

    /// <summary>
    /// A run with a <see cref="StreamingOptions.CheckpointStorage"/> starts, before any write: the run resumes from
    /// checkpoint <paramref name="restoredCheckpointId"/> (null: from the beginning). Commit what checkpoints up to it
    /// pre-committed and did not commit, and discard what later ones pre-committed: the restored run produces that
    /// output again. The default does nothing.
    /// </summary>
    /// <param name="restoredCheckpointId">The checkpoint the run restores, or null.</param>
    /// <param name="cancellationToken">Cancels recovery.</param>
    public virtual ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken) => default;

    /// <summary>
    /// A run with a <see cref="StreamingOptions.CheckpointStorage"/> starts, before any write: what the executor calls
    /// in place of <see cref="RecoverAsync"/>, with the checkpoint the run restores and the run's checkpoint settings
    /// (<see cref="SinkCheckpointContext"/>). Override it instead of <see cref="RecoverAsync"/> when the writer needs
    /// those settings; an exception (a setting the writer cannot work with) fails the run. The default calls
    /// <see cref="RecoverAsync"/> with <see cref="SinkCheckpointContext.RestoredCheckpointId"/>.
    /// </summary>
    /// <param name="context">The restored checkpoint and the run's checkpoint settings.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public virtual ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RecoverAsync(context.RestoredCheckpointId, cancellationToken);
    }

    /// <summary>
    /// True for a writer that takes each result with the partition whose state produced it, when its input comes from
    /// a keyed stage whose state moves between instances with an exchange's partitions
    /// (<see cref="SinkCheckpointContext.ResultsCarryPartitions"/>): the executor then hands it every result through
    /// <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{int})"/> and tells it of partitions that moved away through
    /// <see cref="PartitionsRevoked"/>. Default false.
    /// </summary>
    public virtual bool AcceptsStatePartitions => false;

    /// <summary>
    /// Results with, for each, the exchange partition whose keyed state produced it (-1 when it is unknown: a result
    /// emitted outside any key's processing), in order; called instead of <see cref="TryWrite"/> and
    /// <see cref="WriteAsync"/> when <see cref="AcceptsStatePartitions"/> and
    /// <see cref="SinkCheckpointContext.ResultsCarryPartitions"/> are both true. Synchronous: such a writer holds the
    /// results of each partition until its next <see cref="PreCommitAsync"/>, since a partition that moves away before
    /// then (<see cref="PartitionsRevoked"/>) takes them along: its next owner restores the state of the partition's last
    /// checkpoint and emits them again. The spans are valid only during the call. The default throws.
    /// </summary>
    /// <param name="items">The results, in order.</param>
    /// <param name="partitions">The partition of each result.</param>
    public virtual void Write(ReadOnlySpan<T> items, ReadOnlySpan<int> partitions) =>
        throw new NotSupportedException($"{GetType().Name} says AcceptsStatePartitions but does not override Write(ReadOnlySpan<T>, ReadOnlySpan<int>).");

    /// <summary>
    /// The keyed state of <paramref name="partitions"/> moved to another instance (with
    /// <see cref="SinkCheckpointContext.ResultsCarryPartitions"/>), in order with the results: every result of these
    /// partitions written since the last <see cref="PreCommitAsync"/> is one their next owner emits again, so a writer
    /// that holds them drops them. Results of these partitions written after this call come from a new assignment of
    /// them. The default does nothing.
    /// </summary>
    /// <param name="partitions">The partitions that moved away.</param>
    public virtual void PartitionsRevoked(IReadOnlyList<int> partitions)
    {
    }

    /// <summary>
    /// End of input: flush and finish. Not called when the run fails or is cancelled. With a
    /// <see cref="StreamingOptions.CheckpointStorage"/>, a streaming run whose input ended (or that was stopped with
    /// draining) first takes a final checkpoint: <see cref="PreCommitAsync"/> stages what was written since the last
    /// barrier and <see cref="CommitCheckpointAsync"/> makes it visible, both before this call, which then has
    /// nothing left to commit. When that final checkpoint could not be stored (a failure within
    /// <see cref="StreamingOptions.TolerableCheckpointFailures"/>) it is aborted (<see cref="AbortCheckpointAsync"/>)
    /// and this call must make visible everything still staged, as it does for earlier aborted checkpoints.
    /// </summary>
    /// <param name="cancellationToken">Cancels completion.</param>
    public virtual ValueTask CompleteAsync(CancellationToken cancellationToken) => default;

    /// <summary>
    /// The run failed or was cancelled, so <see cref="CompleteAsync"/> will not be called: a writer that hands
    /// results on (a channel, an observer, an async stream) passes <paramref name="error"/> to its consumers so
    /// they do not wait for an end that never comes. Called at most once, before <see cref="DisposeAsync"/>, and
    /// never after <see cref="CompleteAsync"/> has started; what it throws is ignored. With a checkpoint storage, every
    /// checkpoint that was stored has had its <see cref="CommitCheckpointAsync"/> by then: a two-phase writer may abort
    /// whatever it still has staged, which belongs only to checkpoints that were not stored.
    /// </summary>
    /// <param name="error">The run's error (a <see cref="PipelineExecutionException"/>), or an <see cref="OperationCanceledException"/> when it was cancelled.</param>
    public virtual ValueTask AbortAsync(Exception error) => default;

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return default;
    }
}
