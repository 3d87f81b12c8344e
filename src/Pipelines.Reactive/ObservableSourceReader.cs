using System.Threading.Channels;

namespace Pipelines.Reactive;

/// <summary>
/// The observer a run subscribes with, and the reader the run reads from: a bounded channel between them whose
/// full mode follows the source's <see cref="OverflowPolicy"/>. The observable's terminal signal completes the
/// channel, so elements pushed before <c>OnError</c> or <c>OnCompleted</c> are still read first.
/// </summary>
internal sealed class ObservableSourceReader<T> : SourceReader<T>, IObserver<T>
{
    private readonly ObservableSource<T> _source;
    private readonly Channel<T> _buffer;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private IDisposable? _subscription;
    private bool _disposed;
    private volatile Exception? _overflow;

    private ObservableSourceReader(ObservableSource<T> source)
    {
        _source = source;
        var options = new BoundedChannelOptions(source.BufferSize)
        {
            SingleReader = true,
            FullMode = source.Overflow == OverflowPolicy.DropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
        };
        _buffer = source.Overflow == OverflowPolicy.DropOldest
            ? Channel.CreateBounded<T>(options, _ => source.AddDropped())
            : Channel.CreateBounded<T>(options);
    }

    /// <summary>
    /// Subscribes from the thread pool and returns once <c>Subscribe</c> has returned or the observable has
    /// signalled for the first time (an observable that pushes inside <c>Subscribe</c> may block there under
    /// <see cref="OverflowPolicy.Block"/> until the pipeline reads).
    /// </summary>
    public static async ValueTask<SourceReader<T>> OpenAsync(ObservableSource<T> source, IObservable<T> observable, CancellationToken cancellationToken)
    {
        var reader = new ObservableSourceReader<T>(source);
        _ = Task.Run(() => reader.Subscribe(observable), CancellationToken.None);
        try
        {
            await reader._subscribed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return reader;
    }

    private void Subscribe(IObservable<T> observable)
    {
        IDisposable subscription;
        try
        {
            subscription = observable.Subscribe(this);
        }
        catch (Exception ex)
        {
            OnError(ex);
            return;
        }

        bool disposeNow;
        lock (_gate)
        {
            disposeNow = _disposed;
            if (!disposeNow) _subscription = subscription;
        }

        if (disposeNow) subscription.Dispose();
        _subscribed.TrySetResult();
    }

    public void OnNext(T value)
    {
        _subscribed.TrySetResult();
        if (_closed.IsCancellationRequested || _buffer.Writer.TryWrite(value)) return;
        switch (_source.Overflow)
        {
            case OverflowPolicy.Block:
                try
                {
                    // Rx observers are called synchronously, so waiting for room means blocking the producer's thread.
                    _buffer.Writer.WriteAsync(value, _closed.Token).AsTask().GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    // The run has ended; what the observable still pushes has nowhere to go.
                }
                catch (ChannelClosedException)
                {
                    // The observable signalled the end already; Rx forbids OnNext after that.
                }

                break;
            case OverflowPolicy.Fail:
                _overflow ??= new InvalidOperationException(
                    $"The observable pushed an element while all {_source.BufferSize} buffered elements were still unread (OverflowPolicy.Fail): " +
                    "it produces faster than the pipeline reads. Give a larger bufferSize, or choose OverflowPolicy.Block or OverflowPolicy.DropOldest.");
                _buffer.Writer.TryComplete(_overflow);
                break;
            default:
                // DropOldest always has room; TryWrite fails only once the channel is completed.
                break;
        }
    }

    public void OnError(Exception error)
    {
        _subscribed.TrySetResult();
        _buffer.Writer.TryComplete(error);
    }

    public void OnCompleted()
    {
        _subscribed.TrySetResult();
        _buffer.Writer.TryComplete();
    }

    public override int TryRead(Span<T> destination)
    {
        if (_overflow is { } overflow) throw overflow;
        int n = 0;
        while (n < destination.Length && _buffer.Reader.TryRead(out var item)) destination[n++] = item;
        return n;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _buffer.Reader.WaitToReadAsync(cancellationToken);

    public override ValueTask DisposeAsync()
    {
        IDisposable? subscription;
        lock (_gate)
        {
            if (_disposed) return default;
            _disposed = true;
            subscription = _subscription;
            _subscription = null;
        }

        _closed.Cancel();
        _buffer.Writer.TryComplete();
        subscription?.Dispose();

        // A run stopped before reading everything: what the observable pushed and the run never read is dropped.
        while (_buffer.Reader.TryRead(out _)) _source.AddDropped();
        return base.DisposeAsync();
    }
}
