using Pipelines.Plan;

namespace Pipelines;

public partial class DataStream<T>
{
    /// <summary>
    /// Groups the elements into lists of <paramref name="count"/>, in the order they reach this operator (one
    /// worker, so the lists are cut from the whole stream); the last list, emitted at the end of input, may be
    /// shorter. With one upstream producer (a source and its stateless operators) both executors cut the same lists.
    /// A list's event time is the latest of its elements'; the watermark waits for the elements held. With
    /// <c>StreamingOptions.CheckpointStorage</c> the elements held are written at each checkpoint (a restored run goes
    /// on filling the same list); without one, a checkpoint's barrier emits the list held, short, ahead of it, so
    /// checkpoints (and the commits of sources) never wait for a list to fill.
    /// </summary>
    /// <param name="count">Elements per list; at least 1.</param>
    public DataStream<IReadOnlyList<T>> Buffer(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new DataStream<IReadOnlyList<T>>(Builder, Builder.Add(new BufferNode<T>(Builder.NextId(), Node, count, null)));
    }

    /// <summary>
    /// As <see cref="Buffer(int)"/>, and a list that is not full is emitted anyway once its first element has waited
    /// about <paramref name="maxWait"/> of processing time (the run's <c>TimeProvider</c>, checked every quarter of
    /// <paramref name="maxWait"/>): for writing in batches without holding a slow trickle back. Processing time
    /// depends on when elements arrive, so only the count rule is the same on both executors: the bounded executor
    /// reads without waiting and cuts lists by count (and the rest at the end).
    /// </summary>
    /// <param name="count">The most elements per list; at least 1.</param>
    /// <param name="maxWait">The longest a list's first element waits; positive.</param>
    public DataStream<IReadOnlyList<T>> Buffer(int count, TimeSpan maxWait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxWait, TimeSpan.Zero);
        return new DataStream<IReadOnlyList<T>>(Builder, Builder.Add(new BufferNode<T>(Builder.NextId(), Node, count, maxWait)));
    }
}
