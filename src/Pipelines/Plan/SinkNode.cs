using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>A sink: a stage with one worker whose writer is opened before the run starts.</summary>
internal sealed class SinkNode<T>(int id, Node<T> input, Sink<T> sink) : Node(id, "Sink"), IStageNode, ISinkNode
{
    public StagePort<T> Port { get; private set; } = null!;

    public Sink<T> Sink { get; } = sink;

    public string SinkName => Sink.Name;

    public override IEnumerable<Node> Upstream => [input];

    public bool IsKeyed => false;

    public void Attach()
    {
        Port = new StagePort<T>(this, 0);
        input.Consumers.Add(Port);
    }

    public async ValueTask OpenAsync(PlanContext context, CancellationToken cancellationToken)
    {
        try
        {
            context.Resources[this] = await Sink.OpenForRunAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw PipelineExecutionException.ForComponent("Sink", Sink.Name, ex);
        }
    }

    public StageOperator CreateOperator(PlanContext context)
    {
        var writer = context.Resources.Remove(this, out var opened)
            ? (SinkWriter<T>)opened
            : throw new InvalidOperationException($"Sink '{Sink.Name}' was not opened.");
        return new SinkOperator<T>(writer, Sink.Name, context.ContextFor(this, $"{Name} ({Sink.Name})"), context.Checkpoints, context.RunToken);
    }
}

/// <summary>The untyped view executors use to open sinks.</summary>
internal interface ISinkNode
{
    /// <summary>The sink's own name (<see cref="Sink{T}.Name"/>).</summary>
    string SinkName { get; }

    /// <summary>Opens the sink's writer for the run and keeps it in <see cref="PlanContext.Resources"/>.</summary>
    ValueTask OpenAsync(PlanContext context, CancellationToken cancellationToken);
}
