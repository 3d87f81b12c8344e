using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary><c>SelectAsync</c> (and <c>SelectParallel</c>): a stage with one worker, so the concurrency bound holds for the whole pipeline.</summary>
internal sealed class SelectAsyncNode<TIn, TOut> : Node<TOut>, IStageNode
{
    private readonly Node<TIn> _input;
    private readonly Func<TIn, CancellationToken, Task<TOut>> _selector;
    private readonly SelectAsyncOptions _options;

    public SelectAsyncNode(int id, Node<TIn> input, Func<TIn, CancellationToken, Task<TOut>> selector, SelectAsyncOptions options, string name = "SelectAsync")
        : base(id, name, input.HasEventTime)
    {
        (_input, _selector, _options) = (input, selector, options);
        input.Consumers.Add(new StagePort<TIn>(this, 0));
    }

    public bool IsKeyed => false;

    public override IEnumerable<Node> Upstream => [_input];

    public StageOperator CreateOperator(WorkerContext context) =>
        new SelectAsync<TIn, TOut>(_selector, _options, context.TimeProvider, BuildOutput(context), context.ContextFor(this));
}
