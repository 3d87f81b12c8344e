namespace Pipelines.Connectors;

/// <summary>
/// Awaits an asynchronous action for every result, one at a time and in order, also when several runs (or several
/// streams of one pipeline) write to this sink at once.
/// </summary>
internal sealed class AsyncActionSink<T>(Func<T, CancellationToken, ValueTask> action, string name) : Sink<T>
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(action, _gate));

    private sealed class Writer(Func<T, CancellationToken, ValueTask> action, SemaphoreSlim gate) : SinkWriter<T>
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                for (int i = 0; i < items.Length; i++)
                {
                    T item = items.Span[i];
                    try
                    {
                        await action(item, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                    {
                        throw new SinkElementException(i, item, ex);
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
