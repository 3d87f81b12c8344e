namespace Pipelines.Plan;

/// <summary>
/// Finds keyed stages that read a source split among the pipeline's instances (<see cref="Source{T}.SplitAcrossInstances"/>)
/// with no keyed stage or exchange between them: run by several instances, they may compute partial results per key.
/// </summary>
internal static class SplitInputCheck
{
    public static List<(string Stage, string Source)> Find(Pipeline pipeline)
    {
        var found = new List<(string, string)>();
        foreach (var stage in pipeline.Stages)
        {
            if (!stage.IsKeyed || stage is not Node node) continue;
            var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
            var pending = new Stack<Node>(node.Upstream);
            while (pending.TryPop(out var upstream))
            {
                if (!seen.Add(upstream)) continue;
                if (upstream is ISourceNode source)
                {
                    if (source.SplitAcrossInstances) found.Add((node.Name, source.SourceName));
                    continue;
                }

                // A keyed stage upstream reports its own input; its output is grouped by its key already.
                if (upstream is IStageNode { IsKeyed: true }) continue;
                foreach (var next in upstream.Upstream) pending.Push(next);
            }
        }

        return found;
    }
}
