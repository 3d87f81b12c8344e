namespace Pipelines;

/// <summary>
/// A <see cref="SourceReader{T}"/> that knows where it is: its position (<typeparamref name="TPosition"/>) says
/// where the next element comes from — the next offset of each partition, every file's byte offset and line. The
/// streaming executor takes the position at each checkpoint (<see cref="CapturePosition()"/>) and hands it back once
/// everything read before it has reached the sinks (<see cref="CommitAsync(TPosition, CancellationToken)"/>); a
/// later run resumes from a position with <see cref="Source{T, TPosition}.OpenAsync(SourceContext, TPosition, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// A position is an immutable value (a record), complete on its own — it must not point into the reader's
/// mutable state, because it is committed on another thread while the reader goes on — and serializable with
/// System.Text.Json (public properties or a primary constructor of strings, numbers and lists of such records),
/// so a checkpoint can store it and a later process restore it.
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TPosition">The position type.</typeparam>
public abstract class SourceReader<T, TPosition> : SourceReader<T>
    where TPosition : class
{
    /// <summary>
    /// True (the default) when the reader commits positions while a streaming run goes on (Kafka offsets, file
    /// checkpoints). The streaming executor then runs checkpoints every <see cref="StreamingOptions.CheckpointInterval"/>:
    /// it takes the reader's position with <see cref="CapturePosition()"/>, sends a barrier behind the elements read
    /// so far, and once every result derived from them has reached the sinks (and the sinks flushed) it calls
    /// <see cref="CommitAsync(TPosition, CancellationToken)"/> with that position. Return false when the reader has
    /// nowhere to commit to in this run (the file source without a checkpoint path); it must not change after the
    /// reader opened. The bounded executor takes no checkpoints.
    /// </summary>
    public virtual bool CommitsDuringRun => true;

    /// <summary>
    /// True (the default) when a checkpoint may be taken now. False while the reader's position is one no restart
    /// can continue from — an initial snapshot being read, which a new run must take again from the start: the
    /// streaming executor then holds its next checkpoint's barrier until this is true again, so no completed
    /// checkpoint pairs such a position with the state and output of the elements read before it (which the
    /// repeated snapshot would add a second time). Read on the task that reads, before each read. A run stopped
    /// while it is false still records the position at its end.
    /// </summary>
    public virtual bool CanCheckpoint => true;

    /// <summary>
    /// The position right after the last element a read has returned. Called by the streaming executor at each
    /// checkpoint, only when <see cref="CommitsDuringRun"/> is true, on the task that reads, never during a read —
    /// but possibly while a <see cref="SourceReader{T}.WaitToReadAsync"/> is still pending (a source waiting for
    /// data still takes part in checkpoints), so state that a wait changes must be read under a lock. Also called
    /// by the default end-of-run <see cref="CommitAsync(CancellationToken)"/>.
    /// </summary>
    public abstract TPosition CapturePosition();

    /// <summary>
    /// The position for checkpoint <paramref name="checkpointId"/>: the streaming executor calls this, rather than
    /// <see cref="CapturePosition()"/>, when it sends the checkpoint's barrier behind the elements read so far (and
    /// <see cref="CapturePosition()"/> where it needs a position outside a barrier, such as where a drained source
    /// stopped, which may be after a barrier whose checkpoint is still in flight). By default
    /// <see cref="CapturePosition()"/>. A reader whose positions something else also asks for by checkpoint — an
    /// exactly-once sink that commits a checkpoint's input positions in its transaction — overrides it to record
    /// which position belongs to which checkpoint.
    /// </summary>
    /// <param name="checkpointId">The checkpoint whose barrier follows the elements read so far.</param>
    public virtual TPosition CapturePosition(long checkpointId) => CapturePosition();

    /// <summary>
    /// Every element returned before <paramref name="position"/> was captured has gone through the pipeline, every
    /// result derived from it has been handed to the sinks, and the sinks have flushed: make the position durable,
    /// so a restart after a crash resumes from it (at-least-once). Positions arrive in the order they were captured,
    /// one at a time, from the executor's checkpoint task: possibly while the reader is reading or waiting on its
    /// own task, so it must use only <paramref name="position"/> and thread-safe state (a reader bound to one thread,
    /// such as a Kafka consumer, queues the position for its reading thread). A failure is logged and the next
    /// checkpoint tries again; the elements since the last durable position may then be read again after a restart.
    /// </summary>
    /// <param name="position">A value <see cref="CapturePosition()"/> returned.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public abstract ValueTask CommitAsync(TPosition position, CancellationToken cancellationToken);

    /// <summary>
    /// The run ended successfully; by default commits the position after the last element read
    /// (<c>CommitAsync(CapturePosition(), cancellationToken)</c>). See <see cref="SourceReader{T}.CommitAsync(CancellationToken)"/>
    /// for when it is called.
    /// </summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public override ValueTask CommitAsync(CancellationToken cancellationToken) => CommitAsync(CapturePosition(), cancellationToken);

    internal sealed override bool CommitsPositions => CommitsDuringRun;

    internal sealed override bool HasPositions => true;

    internal sealed override bool PositionResumable => CanCheckpoint;

    internal sealed override object CapturePositionObject(long? checkpointId) =>
        (checkpointId is { } id ? CapturePosition(id) : CapturePosition())
        ?? throw new InvalidOperationException($"{GetType().Name}.CapturePosition returned null; a position is required.");

    internal sealed override ValueTask CommitPositionObjectAsync(object position, CancellationToken cancellationToken) =>
        CommitAsync((TPosition)position, cancellationToken);
}
