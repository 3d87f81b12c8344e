using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>
/// <c>Sample</c> and <c>Throttle</c>: a stage with one worker over the whole stream, its operator made by
/// a factory from the run's clock and the stage's output.
/// </summary>
internal sealed class TimedStageNode<T> : Node<T>, IStageNode
{
    private readonly Node<T> _input;
    private readonly Func<TimeProvider, Output<T>, StageOperator> _create;

    public TimedStageNode(int id, Node<T> input, string name, Func<TimeProvider, Output<T>, StageOperator> create)
        : base(id, name, input.HasEventTime)
    {
        (_input, _create) = (input, create);
        input.Consumers.Add(new StagePort<T>(this, 0));
    }

    public bool IsKeyed => false;

    public override IEnumerable<Node> Upstream => [_input];

    public StageOperator CreateOperator(WorkerContext context) => _create(context.TimeProvider, BuildOutput(context));
}
