namespace Pipelines.Connectors;

/// <summary>
/// A source over an <see cref="IAsyncEnumerable{T}"/>. Items whose <c>MoveNextAsync</c> completes synchronously
/// are batched; when it would wait, the batch so far goes downstream first.
/// </summary>
internal sealed class AsyncEnumerableSource<T>(IAsyncEnumerable<T> items, string name, bool isBounded) : Source<T>
{
    public override string Name => name;

    public override bool IsBounded => isBounded;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        new(new Reader(items.GetAsyncEnumerator(cancellationToken)));

    private sealed class Reader(IAsyncEnumerator<T> enumerator) : SourceReader<T>
    {
        private ValueTask<bool> _next;
        private bool _hasNext;
        private bool _hasCurrent;
        private bool _ended;
        private Task<bool>? _waiting;

        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && !_ended)
            {
                if (_hasCurrent)
                {
                    destination[n++] = enumerator.Current;
                    _hasCurrent = false;
                    continue;
                }

                if (_waiting is not null)
                {
                    if (!_waiting.IsCompleted) break;
                    _hasCurrent = _waiting.GetAwaiter().GetResult();
                    _ended = !_hasCurrent;
                    _waiting = null;
                    continue;
                }

                if (!_hasNext)
                {
                    _next = enumerator.MoveNextAsync();
                    _hasNext = true;
                }

                if (!_next.IsCompleted) break;
                _hasNext = false;
                _hasCurrent = _next.GetAwaiter().GetResult();
                _ended = !_hasCurrent;
            }

            return n;
        }

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            if (_hasCurrent) return true;
            if (_ended) return false;
            if (_hasNext)
            {
                _waiting = _next.AsTask();
                _hasNext = false;
            }

            if (_waiting is not null)
            {
                await _waiting.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return !_ended;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_waiting is { IsCompleted: false } || _hasNext)
            {
                // A MoveNextAsync is still outstanding (the run stopped while the source waited): the enumerator
                // cannot be disposed before it completes, and the run's cancellation has already been requested.
                return;
            }

            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
