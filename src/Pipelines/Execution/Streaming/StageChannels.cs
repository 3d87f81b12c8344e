using System.Threading.Channels;
using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// The channels of a streaming run, made from the physical plan before any worker exists: one bounded channel
/// per stage worker, and one <see cref="BatchPool{T}"/> per stage input port, shared by every edge into it.
/// Immutable once made; <see cref="EdgesFor"/> gives each producer its own edge factory.
/// </summary>
internal sealed class StageChannels
{
    private readonly Channel<StageMessage>[][] _channels;

    /// <summary>Per stage and worker, its count of messages in flight (<see cref="InFlight"/>).</summary>
    private readonly InFlight.Counter[][] _inFlight;
    private readonly object[] _pools;

    private readonly (Checkpoints.Serialization.StateSerializerRegistry Serializers, int MaxParallelism)? _keyGroups;

    /// <summary>Per stage and worker, the gates of its inputs when barriers block for alignment; null otherwise.</summary>
    private readonly InputGates[][]? _gates;

    /// <param name="plan">The plan.</param>
    /// <param name="capacity">Messages per channel.</param>
    /// <param name="batchSize">Elements per batch.</param>
    /// <param name="inFlight">The run's count of work in flight: every write into a worker's channel counts for that worker.</param>
    /// <param name="keyGroups">When checkpoints store state: keys are routed by key group with these serializers and this many groups.</param>
    public StageChannels(PhysicalPlan plan, int capacity, int batchSize, InFlight inFlight, (Checkpoints.Serialization.StateSerializerRegistry Serializers, int MaxParallelism)? keyGroups = null)
    {
        _keyGroups = keyGroups;
        _channels = [.. plan.Stages.Select(stage => Enumerable.Range(0, stage.Parallelism).Select(_ => Create(capacity, synchronous: stage.Parallelism == 1)).ToArray())];
        _inFlight = [.. plan.Stages.Select(stage => Enumerable.Range(0, stage.Parallelism).Select(_ => inFlight.NewCounter()).ToArray())];
        if (keyGroups is not null) _gates = [.. plan.Stages.Select(stage => Enumerable.Range(0, stage.Parallelism).Select(_ => new InputGates(stage.InputCount)).ToArray())];
        var byPort = new Dictionary<(StageVertex, int), object>();
        _pools = new object[plan.Edges.Count];
        foreach (var edge in plan.Edges)
        {
            if (!byPort.TryGetValue((edge.To, edge.Port), out var pool))
            {
                byPort[(edge.To, edge.Port)] = pool = edge.CreatePool(batchSize, (capacity + 2) * edge.To.Parallelism * 2);
            }

            _pools[edge.Index] = pool;
        }
    }

    /// <summary>The input channel of worker <paramref name="worker"/> of <paramref name="stage"/>.</summary>
    public Channel<StageMessage> Of(StageVertex stage, int worker) => _channels[stage.StageIndex][worker];

    /// <summary>The count of messages in flight of worker <paramref name="worker"/> of <paramref name="stage"/>.</summary>
    public InFlight.Counter InFlightOf(StageVertex stage, int worker) => _inFlight[stage.StageIndex][worker];

    /// <summary>The gates of the inputs of worker <paramref name="worker"/> of <paramref name="stage"/>, when barriers block for alignment (checkpoints store state); else null.</summary>
    public InputGates? GatesOf(StageVertex stage, int worker) => _gates?[stage.StageIndex][worker];

    /// <summary>The writer producer <paramref name="input"/> uses for the channel of worker <paramref name="worker"/> of stage <paramref name="stage"/>.</summary>
    private ChannelWriter<StageMessage> WriterOf(int stage, int worker, int input) => new CountedWriter(
        _gates is null ? _channels[stage][worker].Writer : _gates[stage][worker].WriterFor(_channels[stage][worker].Writer, input),
        _inFlight[stage][worker]);

    /// <summary>The edges of one producer task, whose writes that do not fit wait in <paramref name="pending"/>.</summary>
    public IEdgeFactory EdgesFor(PendingWrites pending) => new ChannelEdges(this, pending);

    /// <summary>
    /// A worker's channel. A one-worker stage's channel runs continuations synchronously: a write that finds the
    /// worker waiting for input runs the worker on the writer's thread until the worker waits again, and a read that
    /// makes room runs a producer that waited for it. A worker that keeps up with its input then costs a call
    /// instead of a thread hand-off per batch (a wake-up through the thread pool, which on a small or busy machine
    /// costs as much as the batch's work), and a worker that falls behind keeps its own thread, as its channel is
    /// never empty. Every worker of a stage with several is woken on its own thread: a worker run on its producer's
    /// thread holds the producer until it waits again, so with every worker run that way a keyed stage would do all
    /// its work on one thread, whatever its parallelism; and with one of them run that way, the producer's thread
    /// did that worker's share on top of reading and routing every element, which made the producer the bottleneck
    /// while the other workers waited (measured: <c>benchmarks/results/keyed-workers-own-threads.md</c>). Every task
    /// is asynchronous and holds no lock while it writes, so running another's continuation inline cannot block;
    /// each task is at most once on a thread's stack.
    /// </summary>
    private static Channel<StageMessage> Create(int capacity, bool synchronous) => Channel.CreateBounded<StageMessage>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = synchronous,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Creates the edges of one producer: a <see cref="ChannelEdge{T}"/> to a one-worker stage, a <see cref="PartitionedEdge{T}"/> to a keyed one.</summary>
    private sealed class ChannelEdges(StageChannels channels, PendingWrites pending) : IEdgeFactory
    {
        public IBatchTarget<T> CreateEdge<T>(PlanEdge<T> edge, int producerWorker)
        {
            var targets = channels._channels[edge.To.StageIndex];
            var pool = (BatchPool<T>)channels._pools[edge.Index];
            int input = edge.InputOf(producerWorker);
            int stage = edge.To.StageIndex;
            return targets.Length == 1
                ? new ChannelEdge<T>(channels.WriterOf(stage, 0, input), edge.Port, input, pool, pending)
                : new PartitionedEdge<T>(edge, [.. Enumerable.Range(0, targets.Length).Select(w => channels.WriterOf(stage, w, input))], input, pool, pending,
                    channels._keyGroups is not { } groups ? null
                    : edge.From is SourceVertex { Node.SourceObject: IPartitionedStateSource exchange } && edge.PartitionRouter(exchange, targets.Length) is { } byPartition ? byPartition
                    : edge.KeyGroupRouter(groups.Serializers, groups.MaxParallelism, targets.Length));
        }
    }
}
