namespace Pipelines;

/// <summary>
/// A sink writer that receives each element with its event time, and the sink's watermark: what a writer that
/// forwards a stream to other pipeline instances (an <see cref="Exchange{T}"/>) needs to carry event time across.
/// The executors call <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{long})"/> and <see cref="OnWatermark"/> instead of
/// <see cref="SinkWriter{T}.TryWrite"/> and <see cref="SinkWriter{T}.WriteAsync"/>, in stream order, from one thread
/// at a time: a watermark comes after every element written before it. <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{long})"/> is synchronous; the time it
/// takes is the backpressure. Checkpoint flushes, completion and disposal work as for every <see cref="SinkWriter{T}"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class EventTimeSinkWriter<T> : SinkWriter<T>
{
    /// <summary>
    /// Writes elements with their event times (UTC ticks, at the same index). For a stream without event time the
    /// times are meaningless. An exception fails the run.
    /// </summary>
    /// <param name="items">The elements, valid only during the call.</param>
    /// <param name="timestamps">Their event times, as <see cref="DateTimeOffset.UtcTicks"/>.</param>
    public abstract void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps);

    /// <summary>
    /// Writes elements with their event times and the origin of each (the source record it came from, at the same
    /// index): called instead of <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{long})"/> when the sink receives
    /// origins (<see cref="Sink{T}.ReceivesOrigins"/>), the sink's input comes from one source through operators that
    /// carry origins (<c>Where</c>, <c>Select</c>, <c>SelectMany</c>, <c>WithEventTime</c>; no union), and the source
    /// provides them. Elements of one record have distinct <see cref="ElementOrigin.Index"/>es, in the order the
    /// operators produced them; an element whose origin is <see cref="ElementOrigin.None"/> has none to send. The
    /// default drops the origins.
    /// </summary>
    /// <param name="items">The elements, valid only during the call.</param>
    /// <param name="timestamps">Their event times, as <see cref="DateTimeOffset.UtcTicks"/>.</param>
    /// <param name="origins">Where each was read.</param>
    public virtual void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, ReadOnlySpan<ElementOrigin> origins) => Write(items, timestamps);

    /// <summary>
    /// The sink's watermark advanced: no element at or before <paramref name="watermark"/> follows, except late ones.
    /// <see cref="DateTimeOffset.MaxValue"/> when the input has ended. Called after the elements written before it.
    /// </summary>
    /// <param name="watermark">The new watermark.</param>
    public abstract void OnWatermark(DateTimeOffset watermark);

    /// <summary>
    /// Every input of the sink is idle (<see cref="StreamingOptions.IdleTimeout"/> passed without elements upstream):
    /// its watermark need not hold anything back until the next <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{long})"/> or <see cref="OnWatermark"/>,
    /// which ends the idleness. Does nothing by default.
    /// </summary>
    public virtual void OnIdle()
    {
    }

    /// <summary>Not used: the executors call <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{long})"/>.</summary>
    /// <param name="items">The elements.</param>
    /// <param name="cancellationToken">Unused.</param>
    public sealed override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} is written through Write(items, timestamps).");
}
