using System.Runtime.CompilerServices;

namespace Pipelines.Plan;

/// <summary>
/// Whether a run still needs a node's elements: not once every path from it to a sink passes through a
/// <c>Take</c>/<c>TakeWhile</c> that has taken all it will. The bounded executor then stops reading the source.
/// State is per run (keyed by the run's <see cref="PlanContext"/>), so runs of one pipeline stay independent.
/// </summary>
internal static class InputDemand
{
    /// <summary>True when no element of <paramref name="node"/> can reach a sink any more in the run of <paramref name="context"/>.</summary>
    public static bool Ended(Node node, PlanContext context)
    {
        if (node is ITakeNode take) return take.IsDone(context);
        if (node is ISinkNode) return false;
        bool any = false;
        foreach (var consumer in node.Consumers)
        {
            if (!consumer.ReachesSink) continue;
            any = true;
            var next = consumer switch
            {
                Node n => n,
                IStageInput port => port.Stage as Node,
                _ => null,
            };
            if (next is null || !Ended(next, context)) return false;
        }

        if (node is IHasSideOutput side)
        {
            foreach (var output in side.SideOutputs)
            {
                if (!output.ReachesSink) continue;
                any = true;
                if (!Ended(output, context)) return false;
            }
        }

        return any;
    }
}

/// <summary>A node that can stop wanting input: <c>Take</c> and <c>TakeWhile</c>.</summary>
internal interface ITakeNode
{
    bool IsDone(PlanContext context);
}

/// <summary>Per-run flags, created on first use for a run's <see cref="PlanContext"/> and collected with it.</summary>
internal sealed class RunFlag
{
    private readonly ConditionalWeakTable<PlanContext, StrongBox<bool>> _runs = [];

    public bool IsSet(PlanContext context) => _runs.TryGetValue(context, out var box) && Volatile.Read(ref box.Value);

    public StrongBox<bool> For(PlanContext context) => _runs.GetValue(context, static _ => new StrongBox<bool>());
}
