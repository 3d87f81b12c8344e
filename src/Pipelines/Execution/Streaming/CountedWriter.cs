using System.Threading.Channels;

namespace Pipelines.Execution.Streaming;

/// <summary>A producer's writer into a worker's channel that counts each message it writes as in flight for that worker (<see cref="InFlight"/>).</summary>
internal sealed class CountedWriter(ChannelWriter<StageMessage> channel, InFlight.Counter counter) : ChannelWriter<StageMessage>
{
    /// <summary>The count of the worker the channel belongs to.</summary>
    public InFlight.Counter Counter => counter;

    public override bool TryWrite(StageMessage item)
    {
        counter.Add();
        if (channel.TryWrite(item)) return true;
        counter.Done(1);
        return false;
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => channel.WaitToWriteAsync(cancellationToken);

    public override bool TryComplete(Exception? error = null) => channel.TryComplete(error);
}
