using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>An edge to a stage with one worker: each batch is copied into a pooled batch and queued on the worker's channel.</summary>
internal sealed class ChannelEdge<T>(StageWorker worker, int port, int producer, BatchPool<T> pool, PendingWrites pending) : IBatchTarget<T>
{
    public void OnBatch(Batch<T> batch)
    {
        if (batch.Exclusive && batch.Owner is { } owner && batch.Capacity == pool.Capacity && (batch.Pool is null || batch.Pool == pool))
        {
            // This edge is the batch's only reader: hand its owner a pooled replacement first, then publish the
            // batch itself; from then on only the receiving worker touches it.
            owner.Adopt(pool.Rent());
            batch.Owner = null;
            batch.Pool = pool;
            pending.Write(worker.Channel.Writer, StageMessage.ForBatch(port, producer, batch));
            return;
        }

        var copy = pool.Rent();
        Array.Copy(batch.Values, copy.Values, batch.Count);
        Array.Copy(batch.Timestamps, copy.Timestamps, batch.Count);
        copy.Count = batch.Count;
        pending.Write(worker.Channel.Writer, StageMessage.ForBatch(port, producer, copy));
    }

    public void OnWatermark(long watermark) => pending.Write(worker.Channel.Writer, StageMessage.ForWatermark(producer, watermark));

    public void OnIdle() => pending.Write(worker.Channel.Writer, StageMessage.ForIdle(producer));

    public void OnProcessingTime(long utcTicks)
    {
    }

    public void OnBarrier(long checkpoint) => pending.Write(worker.Channel.Writer, StageMessage.ForBarrier(producer, checkpoint));

    public void OnEnd() => pending.Write(worker.Channel.Writer, StageMessage.ForEnd(producer));
}
