namespace Pipelines;

/// <summary>
/// Reads a source for one run, in the shape of <see cref="System.Threading.Channels.ChannelReader{T}"/>: a
/// synchronous fast path that copies what is available now, an asynchronous wait for more, and optional
/// capabilities a reader announces with a <c>Can…</c>/<c>Provides…</c> property (the way a channel reader
/// announces <see cref="System.Threading.Channels.ChannelReader{T}.CanCount"/>): reading in place
/// (<see cref="CanReadSpans"/>), element event times (<see cref="ProvidesTimestamps"/>) and watermarks the source
/// declares itself (<see cref="TryTakeWatermark"/>). A reader that records where it is, for checkpoints and
/// restarts, derives from <see cref="SourceReader{T, TPosition}"/>.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> The executor calls the reading members — <see cref="TryRead(Span{T})"/>,
/// <see cref="TryRead(Span{T}, Span{long})"/>, <see cref="TryRead(Span{T}, Span{long}, Span{ElementOrigin})"/>, <see cref="ReadSpan"/>, <see cref="TryTakeWatermark"/> and
/// <see cref="WaitToReadAsync"/> — one at a time, never concurrently, though not always from the same thread
/// (each call may continue on another pool thread). It never calls a reading member while a
/// <see cref="WaitToReadAsync"/> it started is still pending. <see cref="CommitAsync(CancellationToken)"/> and
/// <see cref="DisposeAsync"/> come last, after every read and wait has finished. The capability properties are
/// read once, right after the source opened the reader, and must not change afterwards.</para>
/// <para><b>Order of calls per read.</b> The executor calls <see cref="ReadSpan"/> (when it uses spans) or one of
/// the <c>TryRead</c> overloads, then <see cref="TryTakeWatermark"/>, so a watermark declared during a read is
/// sent after the elements that read returned. When a read returns nothing it waits with
/// <see cref="WaitToReadAsync"/>, and reads again once that completes with true.</para>
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
public abstract class SourceReader<T> : IAsyncDisposable
{
    /// <summary>
    /// Copies up to <c>destination.Length</c> elements that are available now; returns how many (0 when none is
    /// available yet). Used when neither <see cref="CanReadSpans"/> nor <see cref="ProvidesTimestamps"/> applies.
    /// </summary>
    /// <param name="destination">Where to put them.</param>
    public abstract int TryRead(Span<T> destination);

    /// <summary>Waits until a read can return elements (true) or the source has ended (false).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public abstract ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True when the reader gives each element its event time through <see cref="TryRead(Span{T}, Span{long})"/>;
    /// the executor then reads only through that overload. A source whose stream has event time without
    /// <c>WithEventTime</c> (<see cref="Source{T}.ProvidesEventTime"/>) must open readers that provide timestamps.
    /// Default false: elements carry no event time until a <c>WithEventTime</c> assigns one.
    /// </summary>
    public virtual bool ProvidesTimestamps => false;

    /// <summary>
    /// Copies up to <c>destination.Length</c> elements that are available now, with the event time of each at the
    /// same index of <paramref name="timestamps"/> (which is exactly as long as <paramref name="destination"/>),
    /// as <see cref="DateTimeOffset.UtcTicks"/>; returns how many (0 when none is available yet). Called instead of
    /// <see cref="TryRead(Span{T})"/> when <see cref="ProvidesTimestamps"/> is true; the reader writes only the
    /// first <em>returned</em> entries of both spans. The default throws <see cref="NotSupportedException"/>.
    /// </summary>
    /// <param name="destination">Where to put the elements.</param>
    /// <param name="timestamps">Where to put their event times, in UTC ticks (<c>timestamp.UtcTicks</c>).</param>
    public virtual int TryRead(Span<T> destination, Span<long> timestamps) =>
        throw new NotSupportedException($"{GetType().Name} does not provide timestamps (ProvidesTimestamps is false).");

    /// <summary>
    /// True when the reader can tell where each element was read (<see cref="ElementOrigin"/>, through
    /// <see cref="TryRead(Span{T}, Span{long}, Span{ElementOrigin})"/>). The executor reads through that overload
    /// only when the run asks for origins (<see cref="SourceContext.TracksOrigins"/>). Default false.
    /// </summary>
    public virtual bool ProvidesOrigins => false;

    /// <summary>
    /// Copies up to <c>destination.Length</c> elements that are available now, with the origin of each at the same
    /// index of <paramref name="origins"/> and, when <see cref="ProvidesTimestamps"/> is true, its event time in
    /// <paramref name="timestamps"/> (as <see cref="TryRead(Span{T}, Span{long})"/>); returns how many. The spans are
    /// equally long; the reader writes only the first returned entries. Called instead of the other overloads when
    /// <see cref="ProvidesOrigins"/> and <see cref="SourceContext.TracksOrigins"/> are both true. The default throws
    /// <see cref="NotSupportedException"/>.
    /// </summary>
    /// <param name="destination">Where to put the elements.</param>
    /// <param name="timestamps">Where to put their event times (UTC ticks), when the reader provides them.</param>
    /// <param name="origins">Where to put their origins.</param>
    public virtual int TryRead(Span<T> destination, Span<long> timestamps, Span<ElementOrigin> origins) =>
        throw new NotSupportedException($"{GetType().Name} does not provide origins (ProvidesOrigins is false).");

    /// <summary>
    /// Takes the watermark the source itself declares, if it declared one since the last call: "no element at or
    /// before <paramref name="watermark"/> follows, except late ones". Called after every read. Under the
    /// streaming executor a watermark taken here travels downstream behind the elements read so far (and is the
    /// watermark of a stream without <c>WithEventTime</c>); the bounded executor ignores it (its watermark jumps to
    /// +∞ at the end of input). A watermark must never be earlier than one taken before it. Default: none.
    /// </summary>
    /// <param name="watermark">The declared watermark, when the method returns true.</param>
    public virtual bool TryTakeWatermark(out DateTimeOffset watermark)
    {
        watermark = default;
        return false;
    }

    /// <summary>
    /// True when <see cref="ReadSpan"/> returns elements as a view of the source's own storage, without a copy
    /// (in-memory sources). The executor then reads through <see cref="ReadSpan"/> whenever the first operator can
    /// read a span in place, and through <see cref="TryRead(Span{T})"/> otherwise. Ignored when
    /// <see cref="ProvidesTimestamps"/> is true. Default false.
    /// </summary>
    public virtual bool CanReadSpans => false;

    /// <summary>
    /// Up to <paramref name="max"/> next elements as a view of the source's own storage, without a copy; empty
    /// when none is available now. The elements count as read: the next call returns the ones after them. The
    /// caller only reads the span, and only until its next call on this reader; the storage must not change
    /// meanwhile. Only called when <see cref="CanReadSpans"/> is true; the default throws
    /// <see cref="NotSupportedException"/>.
    /// </summary>
    /// <param name="max">The most elements to return; positive.</param>
    public virtual ReadOnlySpan<T> ReadSpan(int max) =>
        throw new NotSupportedException($"{GetType().Name} cannot read spans (CanReadSpans is false).");

    /// <summary>The fraction of the source read so far (0 to 1), or null when its size is unknown. Used for progress reports.</summary>
    public virtual double? FractionRead => null;

    /// <summary>
    /// The run ended successfully (end of input, or a streaming run stopped with draining): every element this
    /// reader returned has gone through the pipeline and every sink has completed. A source that records its
    /// position makes it durable here, so the next run starts right after this run's last element.
    /// Not called when the run fails or is cancelled: a restart then resumes from the previous commit, so elements
    /// may be read again but none is lost. Called before <see cref="DisposeAsync"/>; an exception fails the run.
    /// </summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public virtual ValueTask CommitAsync(CancellationToken cancellationToken) => default;

    /// <summary>True when the executor may take this reader's position and commit it during a streaming run.</summary>
    internal virtual bool CommitsPositions => false;

    /// <summary>True when the reader can report its position (<see cref="SourceReader{T, TPosition}"/>), whether or not it commits it during the run.</summary>
    internal virtual bool HasPositions => false;

    /// <summary>Whether a checkpoint may take the reader's position now (<see cref="SourceReader{T, TPosition}.CanCheckpoint"/>).</summary>
    internal virtual bool PositionResumable => true;

    /// <summary>
    /// The reader's position, boxed for the executor's checkpoint bookkeeping: at checkpoint <paramref name="checkpointId"/>'s
    /// barrier (<see cref="SourceReader{T, TPosition}.CapturePosition(long)"/>), or outside a barrier when null
    /// (<see cref="SourceReader{T, TPosition}.CapturePosition()"/>).
    /// </summary>
    internal virtual object CapturePositionObject(long? checkpointId) => throw new NotSupportedException();

    /// <summary>Commits a position <see cref="CapturePositionObject"/> returned (<see cref="SourceReader{T, TPosition}.CommitAsync(TPosition, CancellationToken)"/>).</summary>
    internal virtual ValueTask CommitPositionObjectAsync(object position, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return default;
    }
}
