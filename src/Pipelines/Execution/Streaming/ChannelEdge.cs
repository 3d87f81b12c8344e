using System.Threading.Channels;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>An edge to a stage with one worker: each batch is kept in a pooled batch (<see cref="BatchPool{T}.Keep"/>) and queued on the worker's channel.</summary>
internal sealed class ChannelEdge<T>(ChannelWriter<StageMessage> channel, int port, int producer, BatchPool<T> pool, PendingWrites pending) : IBatchTarget<T>
{
    public void OnBatch(Batch<T> batch) => pending.Write(channel, StageMessage.ForBatch(port, producer, pool.Keep(batch)));

    public void OnWatermark(long watermark) => pending.Write(channel, StageMessage.ForWatermark(producer, watermark));

    public void OnIdle() => pending.Write(channel, StageMessage.ForIdle(producer));

    public void OnProcessingTime(long utcTicks)
    {
    }

    public void OnBarrier(long checkpoint) => pending.Write(channel, StageMessage.ForBarrier(producer, checkpoint));

    public void OnHandover(Exchanges.PartitionHandover handover) => pending.Write(channel, StageMessage.ForHandover(producer, handover));

    public void OnEnd() => pending.Write(channel, StageMessage.ForEnd(producer));
}
