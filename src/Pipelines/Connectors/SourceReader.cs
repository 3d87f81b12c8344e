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
    /// Called once after a run that ended normally — every source ended, or a streaming run was stopped with
    /// draining — when every element this reader returned has been processed, every window has fired on the final
    /// watermark, and every sink (and the dead-letter sink) has completed. Not called when the run fails or is
    /// cancelled, nor when the reader was never opened. A source that acknowledges what it read (commits offsets,
    /// deletes a spool file) does it here: at this point everything it returned is reflected in results handed to
    /// the sinks. A failure fails the run. <see cref="DisposeAsync"/> follows in every case.
    /// </summary>
    /// <param name="cancellationToken">Cancels the acknowledgement; the run then ends cancelled.</param>
    public virtual ValueTask CompleteAsync(CancellationToken cancellationToken) => default;

    /// <summary>Reads elements with their event times; sources that supply event times override it.</summary>
    internal virtual int TryReadWithTimestamps(Span<T> destination, Span<long> timestamps)
    {
        int n = TryRead(destination);
        timestamps[..n].Fill(Time.EventTime.MinWatermark);
        return n;
    }

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
