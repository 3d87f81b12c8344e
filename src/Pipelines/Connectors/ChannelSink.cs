using System.Threading.Channels;

namespace Pipelines.Connectors;

/// <summary>
/// Writes results to a channel, waiting while it is full (backpressure), and completes it at end of input — or,
/// when the run fails or is cancelled, with the run's error, so a reader does not wait for an end that never comes
/// (also when the run ended before opening this sink). A sink that completes its channel serves one run: a run is
/// refused while another writes to the channel, and after an earlier run has completed it.
/// </summary>
internal sealed class ChannelSink<T>(ChannelWriter<T> channel, bool complete, string name) : Sink<T>
{
    private readonly Lock _gate = new();
    private int _openWriters;
    private bool _completed;

    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        if (complete)
        {
            lock (_gate)
            {
                if (_completed)
                {
                    throw new InvalidOperationException(
                        "It completed its channel at the end of an earlier run, so nothing more can be written to it. " +
                        "Give each run a new channel, or pass completeAtEnd: false and complete the channel yourself.");
                }

                if (_openWriters > 0)
                {
                    throw new InvalidOperationException(
                        "It is writing to its channel for another run (or another stream of this pipeline), and completes the channel when that input ends, " +
                        "which would cut this run off. Give each run a new channel, or pass completeAtEnd: false and complete the channel yourself.");
                }

                _openWriters++;
            }
        }

        return new(new Writer(this, channel, complete));
    }

    /// <summary>The run ended before opening this sink: its reader hears why, unless another run is writing to the channel.</summary>
    public override void OnRunEndedUnopened(Exception error)
    {
        if (!complete) return;
        lock (_gate)
        {
            if (_openWriters > 0 || _completed) return;
            _completed = true;
        }

        channel.TryComplete(error);
    }

    private void Closed(bool completed)
    {
        lock (_gate)
        {
            _openWriters--;
            _completed |= completed;
        }
    }

    private sealed class Writer(ChannelSink<T> sink, ChannelWriter<T> channel, bool complete) : SinkWriter<T>
    {
        private bool _completed;
        private bool _disposed;

        public override int TryWrite(ReadOnlySpan<T> items)
        {
            int i = 0;
            while (i < items.Length && channel.TryWrite(items[i])) i++;
            return i;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            int written = TryWrite(items.Span);
            return written == items.Length ? default : WriteSlowAsync(items, written, cancellationToken);
        }

        private async ValueTask WriteSlowAsync(ReadOnlyMemory<T> items, int from, CancellationToken cancellationToken)
        {
            for (int i = from; i < items.Length; i++)
            {
                await channel.WriteAsync(items.Span[i], cancellationToken).ConfigureAwait(false);
            }
        }

        public override ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            if (complete)
            {
                channel.TryComplete();
                _completed = true;
            }

            return default;
        }

        public override ValueTask AbortAsync(Exception error)
        {
            if (complete)
            {
                channel.TryComplete(error);
                _completed = true;
            }

            return default;
        }

        public override ValueTask DisposeAsync()
        {
            if (!_disposed && complete)
            {
                _disposed = true;
                sink.Closed(_completed);
            }

            return base.DisposeAsync();
        }
    }
}
