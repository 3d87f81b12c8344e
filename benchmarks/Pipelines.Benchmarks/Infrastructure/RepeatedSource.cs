namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// A bounded source that reads an in-memory input <c>passes</c> times, each pass with every event moved
/// <c>shift</c> ticks later than the pass before (see <see cref="IWorkload.ReferenceOver"/>): a long run from a
/// small input. Elements are copied (and moved) into the executor's batches; it records no position.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class RepeatedSource<T>(T[] items, int passes, long shift, Func<T, long, T> move) : Source<T>
{
    public override string Name => $"Repeated<{typeof(T).Name}>";

    public override bool IsBounded => true;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        new(new Reader(items, passes, shift, move));

    private sealed class Reader(T[] items, int passes, long shift, Func<T, long, T> move) : SourceReader<T>
    {
        private int _pass;
        private int _position;

        public override double? FractionRead => ((double)_pass * items.Length + _position) / ((double)passes * items.Length);

        public override int TryRead(Span<T> destination)
        {
            if (_position == items.Length && _pass + 1 < passes)
            {
                _pass++;
                _position = 0;
            }

            var remaining = items.AsSpan(_position);
            int n = Math.Min(remaining.Length, destination.Length);
            if (_pass == 0)
            {
                remaining[..n].CopyTo(destination);
            }
            else
            {
                long by = _pass * shift;
                for (int i = 0; i < n; i++) destination[i] = move(remaining[i], by);
            }

            _position += n;
            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
            new(_position < items.Length || _pass + 1 < passes);
    }
}
