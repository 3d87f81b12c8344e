using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>
/// An edge that is a plain call into one stage instance, in the producer's task: every edge of the bounded executor,
/// and under the streaming executor the edge into a sink chained into its producer (<see cref="StreamingOptions.ChainSinks"/>).
/// </summary>
internal sealed class DirectEdge<T>(StageInstance stage, int port, int producer) : IBatchTarget<T>
{
    public void OnBatch(Batch<T> batch) => stage.OnBatch(port, producer, batch);

    public void OnWatermark(long watermark) => stage.OnWatermark(producer, watermark);

    public void OnIdle() => stage.OnIdle(producer);

    public void OnProcessingTime(long utcTicks)
    {
    }

    public void OnBarrier(long checkpoint) => stage.OnBarrier(producer, checkpoint);

    public void OnHandover(Exchanges.PartitionHandover handover) => stage.OnHandover(producer, handover);

    public void OnEnd() => stage.OnEnd(producer);
}
