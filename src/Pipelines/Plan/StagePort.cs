namespace Pipelines.Plan;

/// <summary>The untyped view of a stage input: which stage it feeds.</summary>
internal interface IStageInput : IConsumer
{
    IStageNode Stage { get; }
}

/// <summary>An input of a stage. Every producer chain reaching it ends in an edge of the physical plan.</summary>
internal class StagePort<T>(IStageNode stage, int index) : IConsumerOf<T>, IStageInput
{
    public IStageNode Stage { get; } = stage;

    public int Index { get; } = index;

    public bool ReachesSink => Stage.ReachesSink;

    /// <summary>Whether elements must be routed to a worker by key.</summary>
    public virtual bool IsKeyed => false;

    /// <summary>The worker (of <paramref name="workers"/>) that owns the element's key.</summary>
    public virtual int PartitionOf(T value, int workers) => 0;

    /// <summary>
    /// The key-to-worker rule of a run whose checkpoints store state: by key group (a stable hash of the key, see
    /// <see cref="State.Snapshots.KeyGroups"/>), so a key's state is found again under any parallelism. One router per
    /// producer (it keeps a buffer for keys hashed from their serialized form).
    /// </summary>
    public virtual Func<T, int> KeyGroupRouter(Checkpoints.Serialization.StateSerializerRegistry serializers, int maxParallelism, int workers) => _ => 0;

    /// <summary>The key-to-worker rule of a stage whose state is split by an exchange's partitions: by the key's partition.</summary>
    public virtual Func<T, int>? PartitionRouter(IPartitionedStateSource source, int workers) => null;

    public void AddLinks(Node<T> upstream, Vertex producer, ChainCompiler compiler, List<ChainLink<T>> links) => links.Add(compiler.Connect(producer, this));
}

/// <summary>A keyed input: a key's elements always go to the same worker, on both inputs of a join.</summary>
internal sealed class KeyedPort<T, TKey>(IStageNode stage, int index, Func<T, TKey> keyOf) : StagePort<T>(stage, index)
    where TKey : notnull
{
    public override bool IsKeyed => true;

    public override int PartitionOf(T value, int workers) => Partitioning.WorkerOf(keyOf(value), workers);

    public override Func<T, int> KeyGroupRouter(Checkpoints.Serialization.StateSerializerRegistry serializers, int maxParallelism, int workers)
    {
        var hasher = new State.Snapshots.KeyHasher<TKey>(serializers.Codec<TKey>(), maxParallelism);
        return value => State.Snapshots.KeyGroups.WorkerOf(hasher.KeyGroupOf(keyOf(value)), maxParallelism, workers);
    }

    public override Func<T, int>? PartitionRouter(IPartitionedStateSource source, int workers) =>
        source.PartitionerFor<TKey>() is { } partitionOf ? value => State.Snapshots.KeyGroups.WorkerOf(partitionOf(keyOf(value)), source.PartitionCount, workers) : null;
}

/// <summary>The key-to-worker rule shared by every keyed input.</summary>
internal static class Partitioning
{
    public static int WorkerOf<TKey>(TKey key, int workers) where TKey : notnull =>
        workers == 1 ? 0 : (int)((uint)EqualityComparer<TKey>.Default.GetHashCode(key) % (uint)workers);
}
