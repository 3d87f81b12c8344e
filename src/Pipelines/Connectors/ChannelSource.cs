using System.Threading.Channels;

namespace Pipelines.Connectors;

/// <summary>An unbounded source reading a <see cref="ChannelReader{T}"/> until the channel is completed.</summary>
internal sealed class ChannelSource<T>(ChannelReader<T> channel, string name) : Source<T>
{
    public override string Name => name;

    public override bool IsBounded => false;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) => new(new Reader(channel));

    private sealed class Reader(ChannelReader<T> channel) : SourceReader<T>
    {
        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && channel.TryRead(out var item)) destination[n++] = item;
            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => channel.WaitToReadAsync(cancellationToken);
    }
}
