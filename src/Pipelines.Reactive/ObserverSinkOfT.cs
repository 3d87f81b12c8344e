namespace Pipelines.Reactive;

/// <summary>Forwards results to an observer; see <see cref="ObserverSink"/>.</summary>
internal sealed class ObserverSinkOf<T>(IObserver<T> observer, bool published, string name) : Sink<T>
{
    private int _opened;

    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _opened, 1) != 0)
        {
            throw new InvalidOperationException(published
                ? $"Sink '{name}' serves a single run and its observable has already been used; make a new one (ObserverSink.Publish or ToObservable) for another run."
                : $"Sink '{name}' serves a single run: its observer has been given to another run, which ends it with OnCompleted or OnError, after which an observer takes nothing more. " +
                  "Give each run its own observer (ObserverSink.Create for each).");
        }

        return new(new Writer(observer));
    }

    /// <summary>The run ended before opening this sink: the observer hears its error, as it would from a run that did.</summary>
    public override void OnRunEndedUnopened(Exception error)
    {
        if (Interlocked.Exchange(ref _opened, 1) == 0) observer.OnError(error);
    }

    private sealed class Writer(IObserver<T> observer) : SinkWriter<T>
    {
        private bool _finished;

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            var span = items.Span;
            for (int i = 0; i < span.Length; i++)
            {
                try
                {
                    observer.OnNext(span[i]);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new SinkElementException(i, span[i], ex);
                }
            }

            return default;
        }

        public override ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            _finished = true;
            observer.OnCompleted();
            return default;
        }

        public override ValueTask AbortAsync(Exception error)
        {
            _finished = true;
            observer.OnError(error);
            return default;
        }

        public override ValueTask DisposeAsync()
        {
            // Opened but neither completed nor aborted: the run ended while being set up.
            if (!_finished) observer.OnError(new PipelineExecutionException("The pipeline run ended before the end of its input."));
            return base.DisposeAsync();
        }
    }
}
