namespace Pipelines.Connectors;

/// <summary>
/// Calls a synchronous action for every result, one call at a time even when several runs (or several streams
/// of one pipeline) write to this sink at once.
/// </summary>
internal sealed class ActionSink<T>(Action<T> action, string name) : Sink<T>
{
    private readonly Lock _gate = new();

    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(action, _gate));

    private sealed class Writer(Action<T> action, Lock gate) : SinkWriter<T>
    {
        public override int TryWrite(ReadOnlySpan<T> items)
        {
            lock (gate)
            {
                for (int i = 0; i < items.Length; i++)
                {
                    try
                    {
                        action(items[i]);
                    }
                    catch (Exception ex)
                    {
                        // A cancellation too: the sink applies the policy unless the run itself is cancelled.
                        throw new SinkElementException(i, items[i], ex);
                    }
                }
            }

            return items.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            TryWrite(items.Span);
            return default;
        }
    }
}
