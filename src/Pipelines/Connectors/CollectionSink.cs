namespace Pipelines.Connectors;

/// <summary>Adds results to a collection, under a lock on the collection so it can be read while the run goes on.</summary>
internal sealed class CollectionSink<T>(ICollection<T> collection) : Sink<T>
{
    public override string Name => $"Collection<{Runtime.TypeNames.Of<T>()}>";

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(collection));

    private sealed class Writer(ICollection<T> collection) : SinkWriter<T>
    {
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

            return items.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            TryWrite(items.Span);
            return default;
        }
    }
}
