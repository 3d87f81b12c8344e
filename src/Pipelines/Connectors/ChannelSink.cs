using System.Threading.Channels;

namespace Pipelines.Connectors;

/// <summary>Writes results to a channel, waiting while it is full (backpressure), and completes it at end of input.</summary>
internal sealed class ChannelSink<T>(ChannelWriter<T> channel, bool complete, string name) : Sink<T>
{
    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(channel, complete));

    private sealed class Writer(ChannelWriter<T> channel, bool complete) : SinkWriter<T>
    {
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
            if (complete) channel.TryComplete();
            return default;
        }
    }
}
