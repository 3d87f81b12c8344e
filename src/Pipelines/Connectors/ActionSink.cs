namespace Pipelines.Connectors;

/// <summary>Calls a synchronous action for every result.</summary>
internal sealed class ActionSink<T>(Action<T> action, string name) : Sink<T>
{
    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(action));

    private sealed class Writer(Action<T> action) : SinkWriter<T>
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            var span = items.Span;
            for (int i = 0; i < span.Length; i++)
            {
                try
                {
                    action(span[i]);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new SinkElementException(i, span[i], ex);
                }
            }

            return default;
        }
    }
}
