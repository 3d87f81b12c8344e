using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>Creates channel edges from the producer being wired (<see cref="CurrentProducer"/>) to a stage's workers.</summary>
internal sealed class ChannelEdgeFactory(int batchSize, int channelCapacity) : IEdgeFactory
{
    private readonly Dictionary<IStageNode, StageWorker[]> _workers = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<object, object> _pools = new(ReferenceEqualityComparer.Instance);

    /// <summary>The pending-write queue of the producer task whose chain is being built.</summary>
    public PendingWrites CurrentProducer { get; set; } = null!;

    public void Register(IStageNode stage, StageWorker[] workers) => _workers[stage] = workers;

    public IBatchTarget<T> CreateEdge<T>(StagePort<T> port, PlanContext context)
    {
        var workers = _workers[port.Stage];
        if (!_pools.TryGetValue(port, out var pool))
        {
            _pools[port] = pool = new BatchPool<T>(batchSize, (channelCapacity + 2) * workers.Length * 2);
        }

        var producers = workers.Select(w => w.Instance.AddProducer()).ToArray();
        return workers.Length == 1
            ? new ChannelEdge<T>(workers[0], port.Index, producers[0], (BatchPool<T>)pool, CurrentProducer)
            : new PartitionedEdge<T>(port, workers, producers, (BatchPool<T>)pool, CurrentProducer);
    }
}
