using Pipelines.Aggregation;
using Pipelines.Operators;
using Pipelines.Windowing;

namespace Pipelines.Plan;

/// <summary>A keyed windowed aggregation; its late elements are a side output.</summary>
internal interface IWindowAggregateNode<TIn> : IHasSideOutput
{
    LateNode<TIn> LateOutput { get; }
}

/// <summary>Builds a <see cref="WindowAggregateNode{TIn,TKey,TAcc,TOut}"/> with the aggregator's real accumulator type.</summary>
internal static class WindowAggregateNode
{
    public static Node<WindowResult<TKey, TOut>> Create<TIn, TKey, TAcc, TOut>(
        Func<int> nextId, Node<TIn> input, Func<TIn, TKey> keyOf, IEqualityComparer<TKey>? comparer, WindowAssigner assigner, TriggerSpec trigger, IAggregator<TIn, TAcc, TOut> aggregator)
        where TKey : notnull
    {
        if (aggregator is IErasedAggregator<TIn, TOut> erased)
        {
            return erased.Accept(new Unerase<TIn, TKey, TOut>(nextId, input, keyOf, comparer, assigner, trigger));
        }

        return new WindowAggregateNode<TIn, TKey, TAcc, TOut>(nextId, input, keyOf, comparer, assigner, trigger, aggregator);
    }

    private sealed class Unerase<TIn, TKey, TOut>(Func<int> nextId, Node<TIn> input, Func<TIn, TKey> keyOf, IEqualityComparer<TKey>? comparer, WindowAssigner assigner, TriggerSpec trigger)
        : IAggregatorVisitor<TIn, TOut, Node<WindowResult<TKey, TOut>>>
        where TKey : notnull
    {
        public Node<WindowResult<TKey, TOut>> Visit<TAcc>(IAggregator<TIn, TAcc, TOut> aggregator) =>
            new WindowAggregateNode<TIn, TKey, TAcc, TOut>(nextId, input, keyOf, comparer, assigner, trigger, aggregator);
    }
}

/// <summary>A keyed windowed aggregation: one stage, partitioned by key.</summary>
internal sealed class WindowAggregateNode<TIn, TKey, TAcc, TOut> : Node<WindowResult<TKey, TOut>>, IStageNode, IWindowAggregateNode<TIn>
    where TKey : notnull
{
    private readonly Node<TIn> _input;
    private readonly Func<TIn, TKey> _keyOf;
    private readonly WindowAssigner _assigner;
    private readonly TriggerSpec _trigger;
    private readonly IAggregator<TIn, TAcc, TOut> _aggregator;
    private readonly IEqualityComparer<TKey>? _comparer;

    public WindowAggregateNode(Func<int> nextId, Node<TIn> input, Func<TIn, TKey> keyOf, IEqualityComparer<TKey>? comparer, WindowAssigner assigner, TriggerSpec trigger, IAggregator<TIn, TAcc, TOut> aggregator)
        : base(nextId(), "Window", hasEventTime: true)
    {
        _input = input;
        _keyOf = keyOf;
        _comparer = comparer;
        _assigner = assigner;
        _trigger = trigger;
        _aggregator = aggregator;
        LateOutput = new LateNode<TIn>(nextId(), this, input.HasEventTime);
        input.Consumers.Add(new KeyedPort<TIn, TKey>(this, 0, keyOf, comparer));
    }

    public LateNode<TIn> LateOutput { get; }

    public IReadOnlyList<Node> SideOutputs => [LateOutput];

    public bool IsKeyed => true;

    public object? KeyComparer => _comparer;

    public override IEnumerable<Node> Upstream => [_input];

    public StageOperator CreateOperator(WorkerContext context)
    {
        var operatorContext = context.ContextFor(this);
        var late = LateOutput.ReachesSink ? LateOutput.BuildOutput(context) : null;
        var panes = new PaneEmitter<TIn, TKey, TAcc, TOut>(_aggregator, _trigger, BuildOutput(context), late, operatorContext);
        return _assigner switch
        {
            SessionWindows sessions => new SessionWindowAggregate<TIn, TKey, TAcc, TOut>(_keyOf, sessions.Gap, panes, operatorContext),
            ProcessingTimeWindows clock => new ProcessingTimeWindowAggregate<TIn, TKey, TAcc, TOut>(_keyOf, clock, context.TimeProvider, panes, operatorContext),
            CountWindows counts => new CountWindowAggregate<TIn, TKey, TAcc, TOut>(_keyOf, counts, panes, operatorContext, context.Run.Logger),
            SlidingWindows sliding when SlicedWindowAggregate<TIn, TKey, TAcc, TOut>.Applies(sliding, _trigger, _aggregator) =>
                new SlicedWindowAggregate<TIn, TKey, TAcc, TOut>(_keyOf, sliding, panes, operatorContext),
            _ => new WindowAggregate<TIn, TKey, TAcc, TOut>(_keyOf, _assigner, panes, operatorContext),
        };
    }
}
