namespace Pipelines.Reactive;

/// <summary>
/// A source over an <see cref="IObservable{T}"/> with a bounded buffer and an explicit <see cref="OverflowPolicy"/>;
/// made by <see cref="ObservableSource.Create{T}"/>. Each run subscribes anew.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ObservableSource<T> : Source<T>
{
    private readonly IObservable<T> _observable;
    private readonly bool _isBounded;
    private readonly string _name;
    private long _dropped;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ObservableSource(IObservable<T> observable, int bufferSize, OverflowPolicy overflow, bool isBounded, string name)
    {
        _observable = observable;
        BufferSize = bufferSize;
        Overflow = overflow;
        _isBounded = isBounded;
        _name = name;
    }

    /// <inheritdoc />
    public override string Name => _name;

    /// <summary>True only when the user said the observable completes (<c>isBounded</c>).</summary>
    public override bool IsBounded => _isBounded;

    /// <summary>Elements buffered between the observable and the pipeline.</summary>
    public int BufferSize { get; }

    /// <summary>What happens when the buffer is full.</summary>
    public OverflowPolicy Overflow { get; }

    /// <summary>
    /// Elements the observable pushed that never reached the pipeline, over every run of this source so far:
    /// those dropped to make room under <see cref="OverflowPolicy.DropOldest"/>, and those still buffered when a
    /// run ended before reading them (stopped, cancelled or failed). Read it after the run.
    /// </summary>
    public long DroppedCount => Volatile.Read(ref _dropped);

    /// <inheritdoc />
    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        ObservableSourceReader<T>.OpenAsync(this, _observable, cancellationToken);

    /// <summary>
    /// Completes once a run has subscribed to the observable (the first run, when several read this source): its
    /// <c>Subscribe</c> has returned, so an observable that pushes inside it first (<c>subject.StartWith(seed)</c>) is
    /// subscribed to its hot part too; or the observable has ended; or, pushing inside <c>Subscribe</c>, it has
    /// filled the buffer (a synchronous observable such as <c>Observable.Range</c>, which returns from
    /// <c>Subscribe</c> only as the pipeline reads). A hot
    /// observable (a <c>Subject</c>, an event) gives an element only to the observers it has when the element is
    /// pushed: a producer that starts pushing with the run awaits this first, or elements pushed before the
    /// subscription reach no one. The bounded executor opens its sources one after another, so with several
    /// sources this one is subscribed only when the sources before it have ended.
    /// </summary>
    public Task Subscribed => _subscribed.Task;

    internal void AddDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>A run's subscription is in place (Subscribe returned, or the observable signalled from inside it).</summary>
    internal void MarkSubscribed() => _subscribed.TrySetResult();
}
