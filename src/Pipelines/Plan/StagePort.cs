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
    /// The worker of every element of <paramref name="values"/>, into <paramref name="targets"/>: one loop over the
    /// batch, with the key selector called from a local. Throws when the key selector throws, leaving the targets
    /// partly filled.
    /// </summary>
    public virtual void PartitionsOf(ReadOnlySpan<T> values, Span<int> targets, WorkerDivisor workers) => targets[..values.Length].Clear();

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

    public override void PartitionsOf(ReadOnlySpan<T> values, Span<int> targets, WorkerDivisor workers)
    {
        var key = keyOf;
        targets = targets[..values.Length];
        for (int i = 0; i < values.Length; i++) targets[i] = workers.Of((uint)EqualityComparer<TKey>.Default.GetHashCode(key(values[i])!));
    }

    public override Func<T, int> KeyGroupRouter(Checkpoints.Serialization.StateSerializerRegistry serializers, int maxParallelism, int workers)
    {
        var hasher = new State.Snapshots.KeyHasher<TKey>(serializers.Codec<TKey>(), maxParallelism);
        return value => State.Snapshots.KeyGroups.WorkerOf(hasher.KeyGroupOf(keyOf(value)), maxParallelism, workers);
    }

    public override Func<T, int>? PartitionRouter(IPartitionedStateSource source, int workers) =>
        source.PartitionerFor<TKey>() is { } partitionOf ? value => State.Snapshots.KeyGroups.WorkerOf(partitionOf(keyOf(value)), source.PartitionCount, workers) : null;
}

/// <summary>The key-to-worker rule shared by every keyed input: the key's hash code modulo the number of workers.</summary>
internal static class Partitioning
{
    public static int WorkerOf<TKey>(TKey key, int workers) where TKey : notnull =>
        workers == 1 ? 0 : (int)((uint)EqualityComparer<TKey>.Default.GetHashCode(key) % (uint)workers);
}

/// <summary>
/// The modulo of <see cref="Partitioning.WorkerOf"/> by a number of workers known when the edge is built, without a
/// division per element: Lemire's fast modulo (a multiplication by a precomputed reciprocal), exact for every 32-bit
/// hash, so it gives the worker <see cref="Partitioning.WorkerOf"/> gives.
/// </summary>
internal readonly struct WorkerDivisor
{
    private readonly uint _workers;
    private readonly ulong _multiplier;

    public WorkerDivisor(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _workers = (uint)workers;
        _multiplier = ulong.MaxValue / _workers + 1;
    }

    /// <summary>The number of workers.</summary>
    public int Count => (int)_workers;

    /// <summary><paramref name="hash"/> modulo the number of workers.</summary>
    public int Of(uint hash) => (int)(((((_multiplier * hash) >> 32) + 1) * _workers) >> 32);
}
