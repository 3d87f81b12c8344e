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

    internal void AddDropped() => Interlocked.Increment(ref _dropped);
}
