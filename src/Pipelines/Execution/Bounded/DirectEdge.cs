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

    public void OnEnd() => stage.OnEnd(producer);
}

/// <summary>Creates <see cref="DirectEdge{T}"/>s to the one instance of each stage.</summary>
internal sealed class DirectEdgeFactory : IEdgeFactory
{
    private readonly Dictionary<IStageNode, StageInstance> _instances = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyCollection<StageInstance> Instances => _instances.Values;

    public StageInstance Register(IStageNode stage, Diagnostics.OperatorTelemetry telemetry) =>
        _instances[stage] = new StageInstance(stage.Name, 0) { Telemetry = telemetry };

    public IBatchTarget<T> CreateEdge<T>(StagePort<T> port, PlanContext context)
    {
        var instance = _instances[port.Stage];
        return new DirectEdge<T>(instance, port.Index, instance.AddProducer());
    }
}
