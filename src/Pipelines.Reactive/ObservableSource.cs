namespace Pipelines.Reactive;

/// <summary>Factories for sources over <see cref="IObservable{T}"/>; <see cref="ReactiveExtensions.ToSource{T}"/> is the same as an extension method.</summary>
public static class ObservableSource
{
    /// <summary>
    /// A source that subscribes to <paramref name="observable"/> when a run opens it and reads what it pushes
    /// through a buffer of <paramref name="bufferSize"/> elements. When the buffer is full,
    /// <paramref name="overflow"/> decides: block the producer, drop the oldest element (counted in
    /// <see cref="ObservableSource{T}.DroppedCount"/>), or fail the run. <c>OnError</c> fails the run with an error
    /// naming the source (the observable's exception inside); <c>OnCompleted</c> ends the source once the buffered
    /// elements are read.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observable">The observable; subscribed once per run (from the thread pool, so an observable that pushes synchronously on subscription cannot deadlock the run), unsubscribed when the run ends.</param>
    /// <param name="bufferSize">Elements buffered between the observable and the pipeline.</param>
    /// <param name="overflow">What happens when the buffer is full.</param>
    /// <param name="isBounded">True when the observable is known to complete, so the bounded executor accepts the source.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static ObservableSource<T> Create<T>(IObservable<T> observable, int bufferSize, OverflowPolicy overflow, bool isBounded = false, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(observable);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        if (!Enum.IsDefined(overflow)) throw new ArgumentOutOfRangeException(nameof(overflow), overflow, "Choose OverflowPolicy.Block, DropOldest or Fail.");
        return new ObservableSource<T>(observable, bufferSize, overflow, isBounded, name ?? $"Observable<{typeof(T).Name}>");
    }
}
