using Pipelines.State;

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
    public virtual void PartitionsOf(ReadOnlySpan<T> values, Span<int> targets, HashToWorker workers) => targets[..values.Length].Clear();

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

/// <summary>
/// A keyed input: a key's elements always go to the same worker, on both inputs of a join. The worker comes from the
/// key's hash code as the workers' key tables compute it (<see cref="KeyHash{TKey}"/>), by <see cref="Partitioning"/>.
/// </summary>
internal sealed class KeyedPort<T, TKey>(IStageNode stage, int index, Func<T, TKey> keyOf, IEqualityComparer<TKey>? comparer = null) : StagePort<T>(stage, index)
    where TKey : notnull
{
    private readonly KeyHash<TKey> _hash = new(comparer);

    public override bool IsKeyed => true;

    public override int PartitionOf(T value, int workers) => Partitioning.WorkerOf(_hash.Of(keyOf(value)), workers);

    public override void PartitionsOf(ReadOnlySpan<T> values, Span<int> targets, HashToWorker workers)
    {
        var key = keyOf;
        var hash = _hash;
        targets = targets[..values.Length];
        for (int i = 0; i < values.Length; i++) targets[i] = workers.Of((uint)hash.Of(key(values[i])));
    }

    public override Func<T, int> KeyGroupRouter(Checkpoints.Serialization.StateSerializerRegistry serializers, int maxParallelism, int workers)
    {
        var hasher = new State.Snapshots.KeyHasher<TKey>(serializers.Codec<TKey>(), maxParallelism);
        return value => State.Snapshots.KeyGroups.WorkerOf(hasher.KeyGroupOf(keyOf(value)), maxParallelism, workers);
    }

    public override Func<T, int>? PartitionRouter(IPartitionedStateSource source, int workers) =>
        source.PartitionerFor<TKey>() is { } partitionOf ? value => State.Snapshots.KeyGroups.WorkerOf(partitionOf(keyOf(value)), source.PartitionCount, workers) : null;
}

/// <summary>
/// The key-to-worker rule shared by every keyed input: the key's hash code mixed (MurmurHash3's finalizer), then
/// scaled to the number of workers by its high bits (a multiply and a shift, no division). Every bit of the hash code
/// reaches those bits, so keys whose hash codes differ only in a few bits (strings that differ in case or in one
/// character, ids in strides) still spread over the workers; and the mix is unlike the Fibonacci multiply the workers'
/// key tables place keys by, so the keys one worker gets still spread over its table's slots (with the same multiply,
/// a worker's keys would all share the high bits its table uses, and crowd half of its slots). Flink mixes a key's
/// hash code the same way (murmur) before it picks the key's group. A plain modulo would keep consecutive ids in
/// arithmetic progressions, which a table placing keys by a Fibonacci multiply lays out without a collision, but
/// sends every id in a stride of the number of workers to one worker.
/// </summary>
internal static class Partitioning
{
    public static int WorkerOf(int hash, int workers) => new HashToWorker(workers).Of((uint)hash);
}

/// <summary>The rule of <see cref="Partitioning.WorkerOf"/> for a number of workers known when the edge is built.</summary>
internal readonly struct HashToWorker
{
    private readonly uint _workers;

    public HashToWorker(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _workers = (uint)workers;
    }

    /// <summary>The number of workers.</summary>
    public int Count => (int)_workers;

    /// <summary>The worker of a key with hash code <paramref name="hash"/>.</summary>
    public int Of(uint hash)
    {
        hash ^= hash >> 16;
        hash *= 0x85EBCA6Bu;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35u;
        hash ^= hash >> 16;
        return (int)(((ulong)hash * _workers) >> 32);
    }
}
