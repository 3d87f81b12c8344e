using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Bounded;

/// <summary>
/// Creates <see cref="DirectEdge{T}"/>s (<see cref="DirectSpanEdge{T}"/>s into operators that read spans) to the one instance of each stage (<paramref name="instances"/>, by
/// <see cref="StageVertex.StageIndex"/>). Stages are created from the last to the first, so the instances an
/// edge needs exist when a producer's chain is instantiated.
/// </summary>
internal sealed class DirectEdges(StageInstance?[] instances) : IEdgeFactory
{
    public IBatchTarget<T> CreateEdge<T>(PlanEdge<T> edge, int producerWorker)
    {
        var instance = instances[edge.To.StageIndex] ?? throw new InvalidOperationException($"Stage '{edge.To.Name}' is created after a producer that feeds it.");
        int producer = edge.InputOf(producerWorker);
        return instance.Operator is IStageSpanInput<T> spans && edge.Port == 0
            ? new DirectSpanEdge<T>(instance, edge.Port, producer, spans)
            : new DirectEdge<T>(instance, edge.Port, producer);
    }
}
