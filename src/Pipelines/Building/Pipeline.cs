using System.Text;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Plan;

namespace Pipelines;

/// <summary>
/// A validated pipeline definition, made by <see cref="PipelineBuilder.Build"/>. Immutable; each run on either
/// executor, one after another or at the same time, opens its own readers and writers. A source or sink that
/// cannot serve a second run refuses it with an error saying why (a channel is read by one run at a time, a
/// collection holds one run's results, …) rather than splitting or doubling results: to run one definition over
/// different inputs or outputs, write a method that builds the pipeline from a source and a sink.
/// </summary>
public sealed class Pipeline
{
    internal Pipeline(string name, IReadOnlyList<Node> nodes, ErrorPolicy errorPolicy, Sink<DeadLetter>? deadLetterSink)
    {
        Name = name;
        Nodes = nodes;
        ErrorPolicy = errorPolicy;
        DeadLetterSink = deadLetterSink;
        Sources = nodes.OfType<ISourceNode>().ToList();
        Stages = nodes.Where(n => n.ReachesSink).OfType<IStageNode>().ToList();
        Sinks = nodes.OfType<ISinkNode>().ToList();
    }

    /// <summary>The name given to <see cref="PipelineBuilder(string)"/>; the <c>pipeline</c> tag of metrics and traces.</summary>
    public string Name { get; }

    /// <summary>The default error policy of the pipeline's operators.</summary>
    public ErrorPolicy ErrorPolicy { get; }

    /// <summary>True when every source ends by itself, so the bounded executor can run the pipeline.</summary>
    public bool IsBounded => Sources.All(s => s.IsBounded);

    internal IReadOnlyList<Node> Nodes { get; }

    internal IReadOnlyList<ISourceNode> Sources { get; }

    internal IReadOnlyList<IStageNode> Stages { get; }

    internal IReadOnlyList<ISinkNode> Sinks { get; }

    internal Sink<DeadLetter>? DeadLetterSink { get; }

    /// <summary>How checkpoints write the pipeline's state types.</summary>
    internal StateSerializerRegistry StateSerializers { get; init; } = new();

    /// <summary>The operators and how they connect, one per line.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var node in Nodes.Where(n => n.ReachesSink))
        {
            text.Append(node.Name);
            var inputs = node.Upstream.Select(u => u.Name).ToList();
            if (inputs.Count > 0) text.Append(" <- ").Append(string.Join(", ", inputs));
            text.AppendLine();
        }

        return text.ToString();
    }
}
