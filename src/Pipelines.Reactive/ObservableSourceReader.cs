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

    /// <summary>The thread inside <c>observable.Subscribe</c>, while it is; 0 otherwise.</summary>
    private volatile int _subscribingThread;

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
    /// Subscribes on a thread of its own and returns once <c>Subscribe</c> has returned or the observable has
    /// signalled for the first time (an observable that pushes inside <c>Subscribe</c> may block there under
    /// <see cref="OverflowPolicy.Block"/> until the pipeline reads).
    /// </summary>
    public static async ValueTask<SourceReader<T>> OpenAsync(ObservableSource<T> source, IObservable<T> observable, CancellationToken cancellationToken)
    {
        var reader = new ObservableSourceReader<T>(source);

        // A thread of its own: a synchronous observable produces inside Subscribe, and under Block waits there for
        // the pipeline, which would hold a thread of the pool (the pipeline's own tasks run there) for the whole run.
        _ = Task.Factory.StartNew(() => reader.Subscribe(observable), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
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
        _subscribingThread = Environment.CurrentManagedThreadId;
        try
        {
            subscription = observable.Subscribe(this);
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            // A synchronous observable unwound by OnNext after the run ended (see OnNext).
            _source.MarkSubscribed();
            return;
        }
        catch (Exception ex)
        {
            OnError(ex);
            return;
        }
        finally
        {
            _subscribingThread = 0;
        }

        bool disposeNow;
        lock (_gate)
        {
            disposeNow = _disposed;
            if (!disposeNow) _subscription = subscription;
        }

        if (disposeNow) subscription.Dispose();
        MarkSubscribed();
        _source.MarkSubscribed();
    }

    /// <summary>
    /// The run may go on reading: <c>Subscribe</c> returned, or the observable signalled from inside it. The source's
    /// public <see cref="ObservableSource{T}.Subscribed"/> waits for <c>Subscribe</c> to return (or the observable to
    /// end): an observable that pushes inside it first (<c>subject.StartWith(seed)</c>) subscribes to the hot part
    /// only after, and what a producer pushed there in between reached no one.
    /// </summary>
    private void MarkSubscribed() => _subscribed.TrySetResult();

    public void OnNext(T value)
    {
        MarkSubscribed();
        if (_closed.IsCancellationRequested)
        {
            Closed();
            return;
        }

        if (_buffer.Writer.TryWrite(value))
        {
            // A synchronous observable that has filled the buffer from inside Subscribe (Observable.Range, an endless
            // loop) may not return from it until the pipeline reads, or ever: a producer awaiting Subscribed goes on.
            // (Count takes the channel's lock: asked only until Subscribed has completed.)
            if (_subscribingThread == Environment.CurrentManagedThreadId && !_source.Subscribed.IsCompleted && _buffer.Reader.Count >= _source.BufferSize)
            {
                _source.MarkSubscribed();
            }

            return;
        }

        if (_subscribingThread == Environment.CurrentManagedThreadId) _source.MarkSubscribed();
        if (_closed.IsCancellationRequested)
        {
            // The run ended between the check above and the write: counted as dropped like any element after it.
            Closed();
            return;
        }

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
                    Closed();
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

    /// <summary>
    /// An element came after the run ended: it is counted as dropped. When it comes from inside <c>Subscribe</c> (a
    /// synchronous observable, which cannot be unsubscribed before <c>Subscribe</c> returns), the producer is
    /// unwound with an <see cref="OperationCanceledException"/>: an endless one would otherwise keep a thread busy
    /// for the life of the process.
    /// </summary>
    private void Closed()
    {
        _source.AddDropped();
        if (_subscribingThread == Environment.CurrentManagedThreadId)
        {
            throw new OperationCanceledException($"The run reading source '{_source.Name}' has ended; the observable is unsubscribed.", _closed.Token);
        }
    }

    public void OnError(Exception error)
    {
        MarkSubscribed();
        _source.MarkSubscribed();

        // A cancellation the observable signals (a timed-out request) is its failure, not the run's cancellation:
        // wrapped, it fails the run naming the source, as any other error of the observable.
        if (error is OperationCanceledException && !_closed.IsCancellationRequested)
        {
            error = new InvalidOperationException($"The observable of source '{_source.Name}' signalled a cancellation ({error.GetType().Name}: {error.Message}).", error);
        }

        _buffer.Writer.TryComplete(error);
    }

    public void OnCompleted()
    {
        MarkSubscribed();
        _source.MarkSubscribed();
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
