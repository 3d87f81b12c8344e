using System.Threading.Channels;

namespace Pipelines.Connectors;

/// <summary>
/// An unbounded source reading a <see cref="ChannelReader{T}"/> until the channel is completed. A channel hands
/// each element to one reader, so one run reads it at a time; a run that stops early leaves the rest for the next,
/// and a run after the one that read the channel to its end is refused.
/// </summary>
internal sealed class ChannelSource<T>(ChannelReader<T> channel, string name) : Source<T>
{
    private readonly Lock _gate = new();
    private bool _open;
    private bool _readToEnd;

    public override string Name => name;

    public override bool IsBounded => false;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_open)
            {
                throw new InvalidOperationException(
                    "Its channel is being read by another run (or another stream of this pipeline). A channel hands each element to one reader, " +
                    "so two runs would split its input between them: give each run its own channel, or wait for the other run to end.");
            }

            if (_readToEnd)
            {
                throw new InvalidOperationException(
                    "Its channel was read to its end by an earlier run: the channel is completed and empty. Give each run a new channel (and source).");
            }

            _open = true;
        }

        return new(new Reader(this, channel));
    }

    private void Closed(bool readToEnd)
    {
        lock (_gate)
        {
            _open = false;
            _readToEnd |= readToEnd;
        }
    }

    private sealed class Reader(ChannelSource<T> source, ChannelReader<T> channel) : SourceReader<T>
    {
        private bool _ended;
        private bool _disposed;

        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && channel.TryRead(out var item)) destination[n++] = item;
            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            // A value task is consumed once: a wait that completed is read here and a new one returned, since
            // the channel may back it with a pooled operation that reading it has already handed back.
            var wait = channel.WaitToReadAsync(cancellationToken);
            if (!wait.IsCompletedSuccessfully) return WaitSlowAsync(wait);
            bool more = wait.Result;
            _ended |= !more;
            return new(more);
        }

        private async ValueTask<bool> WaitSlowAsync(ValueTask<bool> wait)
        {
            bool more = await wait.ConfigureAwait(false);
            _ended |= !more;
            return more;
        }

        public override ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                source.Closed(_ended);
            }

            return base.DisposeAsync();
        }
    }
}
