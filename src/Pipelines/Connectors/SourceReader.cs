namespace Pipelines;

/// <summary>
/// Reads a source for one run, in the shape of <see cref="System.Threading.Channels.ChannelReader{T}"/>: a
/// synchronous fast path that copies what is available now, and an asynchronous wait for more.
/// Called from one thread at a time.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class SourceReader<T> : IAsyncDisposable
{
    /// <summary>Copies up to <c>destination.Length</c> elements that are available now; returns how many (0 when none is available yet).</summary>
    /// <param name="destination">Where to put them.</param>
    public abstract int TryRead(Span<T> destination);

    /// <summary>Waits until <see cref="TryRead"/> can return elements (true) or the source has ended (false).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public abstract ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    /// <summary>The fraction of the source read so far (0 to 1), or null when its size is unknown. Used for progress reports.</summary>
    public virtual double? FractionRead => null;

    /// <summary>
    /// The run ended successfully (end of input, or a streaming run stopped with draining): every element this
    /// reader returned has gone through the pipeline and every sink has completed. A source that records its
    /// position (a checkpoint) makes it durable here, so the next run starts right after this run's last element.
    /// Not called when the run fails or is cancelled: a restart then resumes from the previous commit, so elements
    /// may be read again but none is lost. Called before <see cref="DisposeAsync"/>; an exception fails the run.
    /// </summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public virtual ValueTask CommitAsync(CancellationToken cancellationToken) => default;

    /// <summary>
    /// True when the reader can commit its position while a streaming run goes on (Kafka offsets, file
    /// checkpoints). The streaming executor then runs checkpoints every <see cref="StreamingOptions.CheckpointInterval"/>:
    /// it takes the reader's position with <see cref="CapturePosition"/>, sends a barrier behind the elements read so
    /// far, and once every result derived from them has reached the sinks (and the sinks flushed) it calls
    /// <see cref="CommitAsync(object, CancellationToken)"/> with that position. Default false: the position is
    /// committed only at the end of a successful run.
    /// </summary>
    public virtual bool CommitsDuringRun => false;

    /// <summary>
    /// The position right after the last element <see cref="TryRead"/> has returned, as an immutable value the
    /// reader understands (for example the next offset of each partition). Called on the task that calls
    /// <see cref="TryRead"/>, never during it, only when <see cref="CommitsDuringRun"/> is true — but possibly while a
    /// <see cref="WaitToReadAsync"/> is still pending (a source waiting for data still takes part in checkpoints), so
    /// state that a wait changes must be read under a lock.
    /// </summary>
    public virtual object? CapturePosition() => null;

    /// <summary>
    /// Every element returned before <paramref name="position"/> was captured has gone through the pipeline, every
    /// result derived from it has been handed to the sinks, and the sinks have flushed: make the position durable, so
    /// a restart after a crash resumes from it (at-least-once). Positions arrive in the order they were captured,
    /// one at a time, from the executor's checkpoint task: possibly while the reader is reading or waiting on its
    /// own task, so it must use only <paramref name="position"/> and thread-safe state (a reader bound to one thread,
    /// such as a Kafka consumer, queues the position for its reading thread). A failure is logged and the next
    /// checkpoint tries again; the elements since the last durable position may then be read again after a restart.
    /// </summary>
    /// <param name="position">A value <see cref="CapturePosition"/> returned.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public virtual ValueTask CommitAsync(object position, CancellationToken cancellationToken) => default;

    /// <summary>Reads elements with their event times; sources that supply event times override it.</summary>
    internal virtual int TryReadWithTimestamps(Span<T> destination, Span<long> timestamps)
    {
        int n = TryRead(destination);
        timestamps[..n].Fill(Time.EventTime.MinWatermark);
        return n;
    }

    /// <summary>True when <see cref="ReadSpan"/> returns the elements in place (in-memory sources without event times).</summary>
    internal virtual bool CanReadSpans => false;

    /// <summary>
    /// Up to <paramref name="max"/> next elements as a view of the source's own storage, without a copy; empty at
    /// the end. Only when <see cref="CanReadSpans"/>. The caller only reads the span, during the call that got it.
    /// </summary>
    internal virtual ReadOnlySpan<T> ReadSpan(int max) => throw new NotSupportedException();

    /// <summary>A watermark the source itself declares (scripted test sources), taken once.</summary>
    internal virtual bool TryTakeWatermark(out long watermark)
    {
        watermark = 0;
        return false;
    }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return default;
    }
}
