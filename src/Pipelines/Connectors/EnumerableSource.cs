using System.Runtime.InteropServices;

namespace Pipelines.Connectors;

/// <summary>A bounded source over an <see cref="IEnumerable{T}"/>; arrays and lists are read span by span, in place when the first operator can read a span.</summary>
internal sealed class EnumerableSource<T>(IEnumerable<T> items, string name) : Source<T>
{
    public override string Name => name;

    public override bool IsBounded => true;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        new(items switch
        {
            T[] array => new SpanReader(() => array),
            List<T> list => new SpanReader(() => CollectionsMarshal.AsSpan(list)),
            _ => new EnumeratorReader(items.GetEnumerator(), items.TryGetNonEnumeratedCount(out int count) ? count : null),
        });

    private sealed class SpanReader(SpanReader.SpanGetter items) : SourceReader<T>
    {
        private int _position;

        public delegate ReadOnlySpan<T> SpanGetter();

        public override double? FractionRead => items().Length == 0 ? 1.0 : (double)_position / items().Length;

        public override int TryRead(Span<T> destination)
        {
            var remaining = items()[_position..];
            int n = Math.Min(remaining.Length, destination.Length);
            remaining[..n].CopyTo(destination);
            _position += n;
            return n;
        }

        public override bool CanReadSpans => true;

        public override ReadOnlySpan<T> ReadSpan(int max)
        {
            var remaining = items()[_position..];
            int n = Math.Min(remaining.Length, max);
            _position += n;
            return remaining[..n];
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(_position < items().Length);
    }

    private sealed class EnumeratorReader(IEnumerator<T> enumerator, int? count) : SourceReader<T>
    {
        private bool _ended;
        private long _read;

        public override double? FractionRead => _ended ? 1.0 : count is > 0 ? Math.Min(1.0, (double)_read / count.Value) : null;

        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && !_ended)
            {
                if (enumerator.MoveNext()) destination[n++] = enumerator.Current;
                else _ended = true;
            }

            _read += n;
            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(!_ended);

        public override ValueTask DisposeAsync()
        {
            enumerator.Dispose();
            return base.DisposeAsync();
        }
    }
}
