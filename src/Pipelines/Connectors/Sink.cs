namespace Pipelines;

/// <summary>
/// Where results go. Sinks in this package: <see cref="Sinks"/>. A sink is a description: each run creates its
/// own writer, and the executors call one writer from one thread at a time.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class Sink<T>
{
    /// <summary>A name for errors, logs and metrics.</summary>
    public abstract string Name { get; }

    /// <summary>Opens a writer for one run.</summary>
    /// <param name="cancellationToken">
    /// The run's token: cancels opening, and is cancelled when the run is cancelled or fails, so the writer may keep
    /// it for waits of its own (room in a client's queue) that no call's token covers.
    /// </param>
    public abstract ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True for an exchange's sink that sends each element's <see cref="ElementOrigin"/> along (its writer is an
    /// <see cref="EventTimeSinkWriter{T}"/> and receives them through
    /// <see cref="EventTimeSinkWriter{T}.Write(ReadOnlySpan{T}, ReadOnlySpan{long}, ReadOnlySpan{ElementOrigin})"/>).
    /// The run then asks the sources upstream for origins (<see cref="SourceContext.TracksOrigins"/>) when every
    /// operator between them maps one record to its elements: <c>Where</c>, <c>Select</c>, <c>SelectMany</c> and
    /// <c>WithEventTime</c>, and <c>Union</c> of different sources (whose partitions are then numbered apart in
    /// <see cref="ElementOrigin.Partition"/>). Default false.
    /// </summary>
    public virtual bool ReceivesOrigins => false;

    /// <summary>
    /// A run that holds this sink ended without opening it: refused before it started (by the bounded executor: an
    /// unbounded source, a token already cancelled), or failed or cancelled while its sinks were being opened (this
    /// one's <see cref="OpenAsync"/> failing included). No writer comes for that run. A sink whose results someone
    /// waits for outside the run (an observer, a task) ends that wait here with <paramref name="error"/>; the default
    /// does nothing. Called at most once per run, and never for a run that opened the sink (its writer is completed
    /// or aborted instead).
    /// </summary>
    /// <param name="error">Why the run ended.</param>
    public virtual void OnRunEndedUnopened(Exception error)
    {
    }

    /// <summary>
    /// Opens a writer for the run <paramref name="run"/> (an object that stands for one run: every writer a run
    /// opens on this sink gets the same one). Sinks that refuse to serve two runs at once override this.
    /// </summary>
    internal virtual ValueTask<SinkWriter<T>> OpenForRunAsync(object run, CancellationToken cancellationToken) => OpenAsync(cancellationToken);
}
