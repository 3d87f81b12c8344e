namespace Pipelines.Connectors;

/// <summary>
/// Adds results to a collection, under a lock on the collection so it can be read while the run goes on. The
/// collection holds one run's results: a run is refused while another run writes into it, and while it still
/// holds what an earlier run wrote (clear it to run again).
/// </summary>
internal sealed class CollectionSink<T>(ICollection<T> collection) : Sink<T>
{
    private readonly Lock _gate = new();
    private object? _run;
    private int _openWriters;
    private bool _earlierRunWrote;

    public override string Name => $"Collection<{Runtime.TypeNames.Of<T>()}>";

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => OpenForRunAsync(new object(), cancellationToken);

    internal override ValueTask<SinkWriter<T>> OpenForRunAsync(object run, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_openWriters > 0 && !ReferenceEquals(run, _run))
            {
                throw new InvalidOperationException(
                    "The collection is receiving the results of another run, and two runs into one collection would mix their results. " +
                    "Give each run its own collection (build the pipeline in a method that takes the sink), or wait for the other run to end.");
            }

            int held = _openWriters == 0 && _earlierRunWrote ? CountHeld() : 0;
            if (held > 0)
            {
                throw new InvalidOperationException(
                    $"The collection still holds the {held} results of an earlier run, and a new run would add its results to them. " +
                    "Clear the collection before running the pipeline again, or give each run its own collection.");
            }

            _run = run;
            _openWriters++;
        }

        return new(new Writer(this, collection));
    }

    private int CountHeld()
    {
        lock (collection) return collection.Count;
    }

    private void Closed(bool wrote)
    {
        lock (_gate)
        {
            _openWriters--;
            _earlierRunWrote |= wrote;
        }
    }

    private sealed class Writer(CollectionSink<T> sink, ICollection<T> collection) : SinkWriter<T>
    {
        private bool _wrote;
        private bool _disposed;

        public override int TryWrite(ReadOnlySpan<T> items)
        {
            lock (collection)
            {
                if (collection is List<T> list)
                {
                    list.AddRange(items);
                }
                else
                {
                    foreach (var item in items) collection.Add(item);
                }
            }

            _wrote |= items.Length > 0;
            return items.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            TryWrite(items.Span);
            return default;
        }

        public override ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                sink.Closed(_wrote);
            }

            return base.DisposeAsync();
        }
    }
}
