using Pipelines.Plan;

namespace Pipelines;

/// <summary>The results of a join, with access to the elements of each side that were too late for it.</summary>
/// <typeparam name="TLeft">The left stream's element type.</typeparam>
/// <typeparam name="TRight">The right stream's element type.</typeparam>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class JoinResultStream<TLeft, TRight, TResult> : DataStream<TResult>
{
    private readonly IJoinNode<TLeft, TRight> _join;

    internal JoinResultStream(PipelineBuilder builder, Node<TResult> node, IJoinNode<TLeft, TRight> join)
        : base(builder, node)
    {
        _join = join;
    }

    /// <summary>
    /// Left elements that arrived later than the join's allowed lateness. They are counted in
    /// <see cref="RunSummary.LateElementsDropped"/> whether or not this stream is connected.
    /// </summary>
    public DataStream<TLeft> LateLeftElements() => new(Builder, _join.LateLeft);

    /// <summary>
    /// Right elements that arrived later than the join's allowed lateness. They are counted in
    /// <see cref="RunSummary.LateElementsDropped"/> whether or not this stream is connected.
    /// </summary>
    public DataStream<TRight> LateRightElements() => new(Builder, _join.LateRight);

    /// <summary>Gives the operator a stable id under which its state is checkpointed (see <see cref="DataStream{T}.Uid"/>).</summary>
    /// <param name="uid">A non-empty id, unique within the pipeline.</param>
    public new JoinResultStream<TLeft, TRight, TResult> Uid(string uid)
    {
        SetUid(uid);
        return this;
    }
}
