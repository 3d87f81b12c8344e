namespace Pipelines.Plan;

/// <summary>A source: where a producer chain starts.</summary>
internal sealed class SourceNode<T>(int id, Source<T> source) : Node<T>(id, "Source", source.ProvidesEventTime), ISourceNode
{
    public Source<T> Source { get; } = source;

    public override IEnumerable<Node> Upstream => [];

    public bool IsBounded => Source.IsBounded;

    public string SourceName => Source.Name;

    public object SourceObject => Source;

    public bool SplitAcrossInstances => Source.SplitAcrossInstances;

    public Execution.SourceRunner CreateRunner(WorkerContext context) => new Execution.SourceRunner<T>(this, context);
}

/// <summary>The untyped view executors use to start sources.</summary>
internal interface ISourceNode
{
    /// <summary>The node's name (<c>Source#1</c>, or the name given with <c>Named</c>): the telemetry name of its task.</summary>
    string Name { get; }

    bool IsBounded { get; }

    string SourceName { get; }

    /// <summary>The <see cref="Source{T}"/> itself.</summary>
    object SourceObject { get; }

    /// <summary><see cref="Source{T}.SplitAcrossInstances"/>.</summary>
    bool SplitAcrossInstances { get; }

    bool ReachesSink { get; }

    Execution.SourceRunner CreateRunner(WorkerContext context);
}
