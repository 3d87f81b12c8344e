namespace Pipelines.Sql.Connectors;

/// <summary>Writes rows to a sink of another element type, converting each on the way.</summary>
internal sealed class MappedSink<TIn, TOut>(Sink<TOut> inner, Func<TIn, TOut> map) : Sink<TIn>
{
    public override string Name => inner.Name;

    public override async ValueTask<SinkWriter<TIn>> OpenAsync(CancellationToken cancellationToken) =>
        new Writer(await inner.OpenAsync(cancellationToken).ConfigureAwait(false), map);

    private sealed class Writer(SinkWriter<TOut> inner, Func<TIn, TOut> map) : SinkWriter<TIn>
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<TIn> items, CancellationToken cancellationToken)
        {
            var mapped = new TOut[items.Length];
            var span = items.Span;
            for (int i = 0; i < span.Length; i++) mapped[i] = map(span[i]);
            return inner.WriteAsync(mapped, cancellationToken);
        }

        public override ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override ValueTask CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

        public override ValueTask AbortAsync(Exception error) => inner.AbortAsync(error);

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
