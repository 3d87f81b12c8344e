using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>An interval join of two keyed streams: one stage with two keyed inputs; late elements of each side are side outputs.</summary>
internal sealed class IntervalJoinNode<TLeft, TRight, TKey, TOut> : Node<TOut>, IStageNode, IJoinNode<TLeft, TRight>
    where TKey : notnull
{
    private readonly Node<TLeft> _left;
    private readonly Node<TRight> _right;
    private readonly Func<TLeft, TKey> _leftKey;
    private readonly Func<TRight, TKey> _rightKey;
    private readonly IEqualityComparer<TKey>? _comparer;
    private readonly long _lower;
    private readonly long _upper;
    private readonly long _allowedLateness;
    private readonly JoinKind _kind;
    private readonly Func<TLeft?, TRight?, TOut> _selector;

    public IntervalJoinNode(Func<int> nextId, string verb, Node<TLeft> left, Func<TLeft, TKey> leftKey, Node<TRight> right, Func<TRight, TKey> rightKey, IEqualityComparer<TKey>? comparer, long lower, long upper, long allowedLateness, JoinKind kind, Func<TLeft?, TRight?, TOut> selector)
        : base(nextId(), verb, hasEventTime: true)
    {
        (_left, _right, _leftKey, _rightKey, _lower, _upper, _allowedLateness, _kind, _selector) = (left, right, leftKey, rightKey, lower, upper, allowedLateness, kind, selector);
        LateLeft = new LateNode<TLeft>(nextId(), this, left.HasEventTime, "LateLeftElements");
        LateRight = new LateNode<TRight>(nextId(), this, right.HasEventTime, "LateRightElements");
        _comparer = comparer;
        left.Consumers.Add(new KeyedPort<TLeft, TKey>(this, 0, leftKey, comparer));
        right.Consumers.Add(new KeyedPort<TRight, TKey>(this, 1, rightKey, comparer));
    }

    public LateNode<TLeft> LateLeft { get; }

    public LateNode<TRight> LateRight { get; }

    public IReadOnlyList<Node> SideOutputs => [LateLeft, LateRight];

    public bool IsKeyed => true;

    public object? KeyComparer => _comparer;

    public override IEnumerable<Node> Upstream => [_left, _right];

    public StageOperator CreateOperator(WorkerContext context) =>
        new IntervalJoin<TLeft, TRight, TKey, TOut>(
            _leftKey, _rightKey, _lower, _upper, _allowedLateness, _kind, _selector, BuildOutput(context), LateLeft.BuildOutputIfUsed(context), LateRight.BuildOutputIfUsed(context), context.ContextFor(this));
}
