using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>A windowed join or co-group of two keyed streams: one stage with two keyed inputs; late elements of each side are side outputs.</summary>
internal sealed class WindowJoinNode<TLeft, TRight, TKey, TOut> : Node<TOut>, IStageNode, IJoinNode<TLeft, TRight>
    where TKey : notnull
{
    private readonly Node<TLeft> _left;
    private readonly Node<TRight> _right;
    private readonly Func<TLeft, TKey> _leftKey;
    private readonly Func<TRight, TKey> _rightKey;
    private readonly IEqualityComparer<TKey>? _comparer;
    private readonly WindowAssigner _assigner;
    private readonly long _allowedLateness;
    private readonly WindowPairing<TLeft, TRight, TKey, TOut> _pairing;

    public WindowJoinNode(Func<int> nextId, string verb, Node<TLeft> left, Func<TLeft, TKey> leftKey, Node<TRight> right, Func<TRight, TKey> rightKey, IEqualityComparer<TKey>? comparer, WindowAssigner assigner, long allowedLateness, WindowPairing<TLeft, TRight, TKey, TOut> pairing)
        : base(nextId(), verb, hasEventTime: true)
    {
        (_left, _right, _leftKey, _rightKey, _assigner, _allowedLateness, _pairing) = (left, right, leftKey, rightKey, assigner, allowedLateness, pairing);
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
        new WindowJoin<TLeft, TRight, TKey, TOut>(
            _leftKey, _rightKey, _assigner, _allowedLateness, _pairing, BuildOutput(context), LateLeft.BuildOutputIfUsed(context), LateRight.BuildOutputIfUsed(context), context.ContextFor(this));
}
