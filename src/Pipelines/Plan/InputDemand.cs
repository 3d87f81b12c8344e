using System.Runtime.CompilerServices;
using Pipelines.Execution;

namespace Pipelines.Plan;

/// <summary>
/// Whether a run still needs a node's elements: not once every path from it to a sink passes through a
/// <c>Take</c>/<c>TakeWhile</c> that has taken all it will. The bounded executor then stops reading the source.
/// State is per run (keyed by the run's <see cref="RunContext"/>), so runs of one pipeline stay independent.
/// </summary>
internal static class InputDemand
{
    /// <summary>Whether a <c>Take</c> or <c>TakeWhile</c> is downstream of <paramref name="node"/> at all (read once per run: without one, input is always needed).</summary>
    public static bool MayEnd(Node node) =>
        node is ITakeNode || Next(node).Any(MayEnd);

    /// <summary>True when no element of <paramref name="node"/> can reach a sink any more in the run of <paramref name="context"/>.</summary>
    public static bool Ended(Node node, RunContext context)
    {
        if (node is ITakeNode take) return take.IsDone(context);
        if (node is ISinkNode) return false;
        bool any = false;
        foreach (var next in Next(node))
        {
            any = true;
            if (!Ended(next, context)) return false;
        }

        return any;
    }

    /// <summary>The nodes that receive <paramref name="node"/>'s elements and reach a sink: its consumers (a stage input counts as its stage) and side outputs.</summary>
    private static IEnumerable<Node> Next(Node node)
    {
        foreach (var consumer in node.Consumers)
        {
            if (!consumer.ReachesSink) continue;
            var next = consumer switch
            {
                Node n => n,
                IStageInput port => port.Stage as Node,
                _ => null,
            };
            if (next is not null) yield return next;
        }

        if (node is IHasSideOutput side)
        {
            foreach (var output in side.SideOutputs)
            {
                if (output.ReachesSink) yield return output;
            }
        }
    }
}

/// <summary>A node that can stop wanting input: <c>Take</c> and <c>TakeWhile</c>.</summary>
internal interface ITakeNode
{
    bool IsDone(RunContext context);
}

/// <summary>Per-run flags, created on first use for a run's <see cref="RunContext"/> and collected with it.</summary>
internal sealed class RunFlag
{
    private readonly ConditionalWeakTable<RunContext, StrongBox<bool>> _runs = [];

    public bool IsSet(RunContext context) => _runs.TryGetValue(context, out var box) && Volatile.Read(ref box.Value);

    public StrongBox<bool> For(RunContext context) => _runs.GetValue(context, static _ => new StrongBox<bool>());
}
