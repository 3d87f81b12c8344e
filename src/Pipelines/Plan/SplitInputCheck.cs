namespace Pipelines.Plan;

/// <summary>Checks of how a keyed stage's input is split among the pipeline's instances, warned about at start.</summary>
internal static class SplitInputCheck
{
    /// <summary>
    /// Finds keyed stages that read a source split among the pipeline's instances (<see cref="Source{T}.SplitAcrossInstances"/>)
    /// with no keyed stage or exchange between them: run by several instances, they may compute partial results per key.
    /// </summary>
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

    /// <summary>
    /// Finds keyed stages (joins, or one input fed by a union) that read two or more different exchanges whose
    /// partitions carry keys (<see cref="IPartitionedStateSource"/>, a Kafka repartition topic each): every exchange
    /// has its own assignment of partitions to instances, so with several instances a key's elements from one
    /// exchange and from the other need not meet. One exchange carrying both inputs does not have this problem.
    /// </summary>
    public static List<(string Stage, string[] Sources)> FindIndependentExchanges(Pipeline pipeline)
    {
        var found = new List<(string, string[])>();
        foreach (var stage in pipeline.Stages)
        {
            if (!stage.IsKeyed || stage is not Node node) continue;
            var exchanges = new List<ISourceNode>();
            var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
            var pending = new Stack<Node>(node.Upstream);
            while (pending.TryPop(out var upstream))
            {
                if (!seen.Add(upstream)) continue;
                if (upstream is ISourceNode source)
                {
                    if (source.SourceObject is IPartitionedStateSource && !exchanges.Any(x => ReferenceEquals(x.SourceObject, source.SourceObject))) exchanges.Add(source);
                    continue;
                }

                if (upstream is IStageNode { IsKeyed: true }) continue;
                foreach (var next in upstream.Upstream) pending.Push(next);
            }

            if (exchanges.Count > 1) found.Add((node.Name, [.. exchanges.Select(x => x.SourceName)]));
        }

        return found;
    }
}
