using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary><c>Take</c> / <c>TakeWhile</c>: a stage with one worker, so the count (or the first failing element) is the pipeline's, not a producer's.</summary>
internal sealed class TakeNode<T> : Node<T>, IStageNode, ITakeNode
{
    private readonly Node<T> _input;
    private readonly long _count;
    private readonly Func<T, bool>? _predicate;
    private readonly RunFlag _done = new();

    public TakeNode(int id, Node<T> input, long count, Func<T, bool>? predicate)
        : base(id, predicate is null ? "Take" : "TakeWhile", input.HasEventTime)
    {
        (_input, _count, _predicate) = (input, count, predicate);
        input.Consumers.Add(new StagePort<T>(this, 0));
    }

    public bool IsKeyed => false;

    public override IEnumerable<Node> Upstream => [_input];

    public bool IsDone(Execution.RunContext run) => _done.IsSet(run);

    public StageOperator CreateOperator(WorkerContext context) =>
        new Take<T>(_count, _predicate, _done.For(context.Run), BuildOutput(context), context.ContextFor(this));
}
