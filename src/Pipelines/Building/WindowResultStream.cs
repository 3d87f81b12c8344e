using Pipelines.Plan;

namespace Pipelines;

/// <summary>The results of a windowed aggregation, with access to the elements that were too late for it.</summary>
/// <typeparam name="TIn">The aggregated element type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The aggregated value type.</typeparam>
public sealed class WindowResultStream<TIn, TKey, TValue> : DataStream<WindowResult<TKey, TValue>>
{
    private readonly LateNode<TIn> _late;

    internal WindowResultStream(PipelineBuilder builder, Node<WindowResult<TKey, TValue>> node, LateNode<TIn> late)
        : base(builder, node)
    {
        _late = late;
    }

    /// <summary>
    /// The elements later than the allowed lateness for every window they belong to. They are counted in
    /// <see cref="RunSummary.LateElementsDropped"/> whether or not this stream is connected.
    /// </summary>
    public DataStream<TIn> LateElements() => new(Builder, _late);

    /// <summary>Gives the operator a stable id under which its state is checkpointed (see <see cref="DataStream{T}.Uid"/>).</summary>
    /// <param name="uid">A non-empty id, unique within the pipeline.</param>
    public new WindowResultStream<TIn, TKey, TValue> Uid(string uid)
    {
        SetUid(uid);
        return this;
    }
}
