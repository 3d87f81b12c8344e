using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>An interval join of two keyed streams: one stage with two keyed inputs.</summary>
internal sealed class IntervalJoinNode<TLeft, TRight, TKey, TOut> : Node<TOut>, IStageNode
    where TKey : notnull
{
    private readonly Node<TLeft> _left;
    private readonly Node<TRight> _right;
    private readonly Func<TLeft, TKey> _leftKey;
    private readonly Func<TRight, TKey> _rightKey;
    private readonly long _lower;
    private readonly long _upper;
    private readonly Func<TLeft, TRight, TOut> _selector;

    public IntervalJoinNode(int id, Node<TLeft> left, Func<TLeft, TKey> leftKey, Node<TRight> right, Func<TRight, TKey> rightKey, long lower, long upper, Func<TLeft, TRight, TOut> selector)
        : base(id, "IntervalJoin", hasEventTime: true)
    {
        (_left, _right, _leftKey, _rightKey, _lower, _upper, _selector) = (left, right, leftKey, rightKey, lower, upper, selector);
        left.Consumers.Add(new KeyedPort<TLeft, TKey>(this, 0, leftKey));
        right.Consumers.Add(new KeyedPort<TRight, TKey>(this, 1, rightKey));
    }

    public bool IsKeyed => true;

    public override IEnumerable<Node> Upstream => [_left, _right];

    public StageOperator CreateOperator(PlanContext context) =>
        new IntervalJoin<TLeft, TRight, TKey, TOut>(_leftKey, _rightKey, _lower, _upper, _selector, BuildOutput(context), context.ContextFor(this));
}
