using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>
/// How an executor connects one producer (a source task or a stage worker) to the stages its chain feeds: a
/// direct call (bounded) or channels (streaming). An executor makes one per producer, bound to whatever that
/// producer needs (its queue of pending writes), and hands it in with <see cref="WorkerContext"/>.
/// </summary>
internal interface IEdgeFactory
{
    /// <summary>The target through which worker <paramref name="producerWorker"/> of <see cref="PlanEdge.From"/> sends along <paramref name="edge"/>.</summary>
    IBatchTarget<T> CreateEdge<T>(PlanEdge<T> edge, int producerWorker);
}
