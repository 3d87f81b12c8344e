namespace Pipelines.Reactive;

/// <summary>Extension methods between Rx and pipelines: an observable as a source, a stream's results as an observable.</summary>
public static class ReactiveExtensions
{
    /// <summary>The observable as a source; see <see cref="ObservableSource.Create{T}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observable">The observable.</param>
    /// <param name="bufferSize">Elements buffered between the observable and the pipeline.</param>
    /// <param name="overflow">What happens when the buffer is full.</param>
    /// <param name="isBounded">True when the observable is known to complete, so the bounded executor accepts the source.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static ObservableSource<T> ToSource<T>(this IObservable<T> observable, int bufferSize, OverflowPolicy overflow, bool isBounded = false, string? name = null) =>
        ObservableSource.Create(observable, bufferSize, overflow, isBounded, name);

    /// <summary>
    /// Connects <paramref name="stream"/> to a sink and returns its results as a hot observable (see
    /// <see cref="ObserverSink.Publish{T}"/>): subscribe before starting the run; it completes at the end of input
    /// and errors with the run's error. Serves a single run.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="stream">The stream whose results to observe.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static IObservable<T> ToObservable<T>(this DataStream<T> stream, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.To(ObserverSink.Publish(out IObservable<T> results, name));
        return results;
    }
}
