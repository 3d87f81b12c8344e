using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Bounded;

/// <summary>The bounded executor's edge: a plain call into the stage's single instance.</summary>
internal sealed class DirectEdge<T>(StageInstance stage, int port, int producer) : IBatchTarget<T>
{
    public void OnBatch(Batch<T> batch) => stage.OnBatch(port, producer, batch);

    public void OnWatermark(long watermark) => stage.OnWatermark(producer, watermark);

    public void OnIdle() => stage.OnIdle(producer);

    public void OnProcessingTime(long utcTicks)
    {
    }

    public void OnBarrier(long checkpoint) => stage.OnBarrier(producer, checkpoint);

    public void OnHandover(Exchanges.PartitionHandover handover) => stage.Operator.OnHandover(handover);

    public void OnEnd() => stage.OnEnd(producer);
}

/// <summary>
/// Creates <see cref="DirectEdge{T}"/>s to the one instance of each stage (<paramref name="instances"/>, by
/// <see cref="StageVertex.StageIndex"/>). Stages are created from the last to the first, so the instances an
/// edge needs exist when a producer's chain is instantiated.
/// </summary>
internal sealed class DirectEdges(StageInstance?[] instances) : IEdgeFactory
{
    public IBatchTarget<T> CreateEdge<T>(PlanEdge<T> edge, int producerWorker)
    {
        var instance = instances[edge.To.StageIndex] ?? throw new InvalidOperationException($"Stage '{edge.To.Name}' is created after a producer that feeds it.");
        return new DirectEdge<T>(instance, edge.Port, edge.InputOf(producerWorker));
    }
}
