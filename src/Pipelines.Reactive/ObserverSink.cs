using System.Reactive.Subjects;

namespace Pipelines.Reactive;

/// <summary>Factories for sinks that hand a pipeline's results to Rx observers.</summary>
public static class ObserverSink
{
    /// <summary>
    /// Calls <paramref name="observer"/>'s <c>OnNext</c> for every result, from one thread at a time (its duration
    /// is the backpressure), then <c>OnCompleted</c> at the end of input, or <c>OnError</c> with the run's error
    /// when the run fails (<see cref="PipelineExecutionException"/>) or is cancelled
    /// (<see cref="OperationCanceledException"/>). An exception thrown by <c>OnNext</c> follows the pipeline's
    /// <see cref="ErrorPolicy"/>. Serves a single run: <c>OnCompleted</c> or <c>OnError</c> ends an observer,
    /// so a second run of the pipeline is refused; give each run its own observer.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observer">The observer.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> Create<T>(IObserver<T> observer, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return new ObserverSinkOf<T>(observer, published: false, name ?? $"Observer<{typeof(T).Name}>");
    }

    /// <summary>
    /// A sink whose results are published to <paramref name="results"/>, a hot observable: subscribe before
    /// starting the run (a subscriber sees the results written after it subscribed). It completes at the end of
    /// input and errors with the run's error when the run fails or is cancelled. Observers are called
    /// synchronously, one result at a time, so a slow observer slows the pipeline down. Serves a single run.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="results">The run's results.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> Publish<T>(out IObservable<T> results, string? name = null)
    {
        var subject = new Subject<T>();
        results = subject.AsObservableOnly();
        return new ObserverSinkOf<T>(subject, published: true, name ?? $"Observable<{typeof(T).Name}>");
    }

    /// <summary>Hides the subject so callers cannot push into it.</summary>
    private static IObservable<T> AsObservableOnly<T>(this Subject<T> subject) => System.Reactive.Linq.Observable.AsObservable(subject);
}
