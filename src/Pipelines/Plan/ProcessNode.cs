using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>A user's keyed process function: one stage, partitioned by key, a function instance per worker.</summary>
internal sealed class ProcessNode<TIn, TKey, TOut> : Node<TOut>, IStageNode
    where TKey : notnull
{
    private readonly Node<TIn> _input;
    private readonly Func<TIn, TKey> _keyOf;
    private readonly Func<KeyedProcessFunction<TKey, TIn, TOut>> _create;
    private readonly IEqualityComparer<TKey>? _comparer;

    public ProcessNode(int id, Node<TIn> input, Func<TIn, TKey> keyOf, IEqualityComparer<TKey>? comparer, Func<KeyedProcessFunction<TKey, TIn, TOut>> create, string verb = "Process")
        : base(id, verb, input.HasEventTime)
    {
        (_input, _keyOf, _comparer, _create) = (input, keyOf, comparer, create);
        input.Consumers.Add(new KeyedPort<TIn, TKey>(this, 0, keyOf, comparer));
    }

    public bool IsKeyed => true;

    public object? KeyComparer => _comparer;

    public override IEnumerable<Node> Upstream => [_input];

    public StageOperator CreateOperator(WorkerContext context)
    {
        var operatorContext = context.ContextFor(this);
        var function = _create() ?? throw new InvalidOperationException($"Operator '{Name}': the process function factory returned null; it must create a new function for each worker.");
        return new KeyedProcess<TIn, TKey, TOut>(_keyOf, function, BuildOutput(context), context.TimeProvider, operatorContext);
    }
}
