namespace Pipelines.Connectors;

/// <summary>Awaits an asynchronous action for every result, one at a time and in order.</summary>
internal sealed class AsyncActionSink<T>(Func<T, CancellationToken, ValueTask> action, string name) : Sink<T>
{
    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(action));

    private sealed class Writer(Func<T, CancellationToken, ValueTask> action) : SinkWriter<T>
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            for (int i = 0; i < items.Length; i++)
            {
                T item = items.Span[i];
                try
                {
                    await action(item, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new SinkElementException(i, item, ex);
                }
            }
        }
    }
}
