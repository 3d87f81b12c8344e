using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// Sinks that run inside the task of their one producer (<see cref="StreamingOptions.ChainSinks"/>,
/// <see cref="StageVertex.CanRunInProducer"/>): the producer's edge into such a sink is a <see cref="DirectEdge{T}"/>
/// to its instance (a <see cref="DirectSpanEdge{T}"/>, so that what the producer holds in place reaches the writer
/// without a copy), and the producer's <see cref="PendingWrites"/> awaits the sink's writes where it would wait for
/// room in a channel. The sink has no worker, channel or timer of its own.
/// </summary>
internal static class ChainedSinks
{
    /// <summary>True when <paramref name="stage"/> runs inside its producer's task.</summary>
    public static bool Applies(StageVertex stage, StreamingOptions options) => options.ChainSinks && stage.CanRunInProducer;

    /// <summary>The sink nodes of <paramref name="plan"/> that run inside their producer's task (the job graph shows them without a task).</summary>
    public static IReadOnlySet<Node> Nodes(PhysicalPlan plan, StreamingOptions options) =>
        plan.Stages.Where(s => Applies(s, options)).Select(s => (Node)s.Node).ToHashSet<Node>(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The edges of one producer: into a chained sink (its instance in <paramref name="chained"/>, by stage index), a direct
    /// call whose writes <paramref name="pending"/> awaits; anywhere else, <paramref name="channels"/>' edge.
    /// </summary>
    public static IEdgeFactory Edges(IEdgeFactory channels, StageInstance?[] chained, PendingWrites pending) => new Factory(channels, chained, pending);

    private sealed class Factory(IEdgeFactory channels, StageInstance?[] chained, PendingWrites pending) : IEdgeFactory
    {
        public IBatchTarget<T> CreateEdge<T>(PlanEdge<T> edge, int producerWorker)
        {
            if (chained[edge.To.StageIndex] is not { } sink) return channels.CreateEdge(edge, producerWorker);
            pending.Chain(sink.Operator);
            return sink.Operator is IStageSpanInput<T> spans && edge.Port == 0
                ? new DirectSpanEdge<T>(sink, edge.Port, edge.InputOf(producerWorker), spans)
                : new DirectEdge<T>(sink, edge.Port, edge.InputOf(producerWorker));
        }
    }
}
