using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary><c>Buffer</c>: a stage with one worker, so lists are cut from the pipeline's stream in arrival order.</summary>
internal sealed class BufferNode<T> : Node<IReadOnlyList<T>>, IStageNode
{
    private readonly Node<T> _input;
    private readonly int _count;
    private readonly TimeSpan? _maxWait;

    public BufferNode(int id, Node<T> input, int count, TimeSpan? maxWait)
        : base(id, "Buffer", input.HasEventTime)
    {
        (_input, _count, _maxWait) = (input, count, maxWait);
        input.Consumers.Add(new StagePort<T>(this, 0));
    }

    public bool IsKeyed => false;

    public override IEnumerable<Node> Upstream => [_input];

    public StageOperator CreateOperator(WorkerContext context) =>
        new Buffer<T>(_count, _maxWait, context.TimeProvider, BuildOutput(context));
}
