namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>A Pipelines sink that hands each batch to a <see cref="Collector{T}"/>: the cheapest possible sink.</summary>
/// <typeparam name="T">The result type.</typeparam>
internal sealed class CollectorSink<T>(Collector<T> collector) : Sink<T>
    where T : struct, IResult<T>
{
    public override string Name => "Collector";

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(collector));

    private sealed class Writer(Collector<T> collector) : SinkWriter<T>
    {
        public override int TryWrite(ReadOnlySpan<T> items)
        {
            collector.AddRange(items);
            return items.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            collector.AddRange(items.Span);
            return default;
        }
    }
}

/// <summary>A Pipelines sink that maps each result before collecting it (for window results).</summary>
/// <typeparam name="TIn">What the pipeline produces.</typeparam>
/// <typeparam name="T">The result type.</typeparam>
internal sealed class MappingCollectorSink<TIn, T>(Collector<T> collector, Func<TIn, T> map) : Sink<TIn>
    where T : struct, IResult<T>
{
    public override string Name => "Collector";

    public override ValueTask<SinkWriter<TIn>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(collector, map));

    private sealed class Writer(Collector<T> collector, Func<TIn, T> map) : SinkWriter<TIn>
    {
        public override int TryWrite(ReadOnlySpan<TIn> items)
        {
            for (int i = 0; i < items.Length; i++) collector.Add(map(items[i]));
            return items.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<TIn> items, CancellationToken cancellationToken)
        {
            TryWrite(items.Span);
            return default;
        }
    }
}
