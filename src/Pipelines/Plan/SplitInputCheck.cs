namespace Pipelines.Plan;

/// <summary>Checks of how a keyed stage's input is split among the pipeline's instances, warned about at start.</summary>
internal static class SplitInputCheck
{
    /// <summary>
    /// Finds keyed stages that read a source split among the pipeline's instances (<see cref="Source{T}.SplitAcrossInstances"/>)
    /// with no keyed stage or exchange between them: run by several instances, they may compute partial results per key.
    /// </summary>
    public static List<(string Stage, string Source)> Find(Pipeline pipeline) =>
        [.. from input in KeyedStageInputs(pipeline)
            from source in input.Sources
            where source.SplitAcrossInstances
            select (input.Stage.Name, source.SourceName)];

    /// <summary>
    /// Finds keyed stages (joins, or one input fed by a union) that read two or more different exchanges whose
    /// partitions carry keys (<see cref="IPartitionedStateSource"/>, a Kafka repartition topic each): every exchange
    /// has its own assignment of partitions to instances, so with several instances a key's elements from one
    /// exchange and from the other need not meet. One exchange carrying both inputs does not have this problem.
    /// </summary>
    public static List<(string Stage, string[] Sources)> FindIndependentExchanges(Pipeline pipeline)
    {
        var found = new List<(string, string[])>();
        foreach (var (stage, sources) in KeyedStageInputs(pipeline))
        {
            var exchanges = sources.Where(s => s.SourceObject is IPartitionedStateSource).DistinctBy(s => s.SourceObject, ReferenceEqualityComparer.Instance).ToList();
            if (exchanges.Count > 1) found.Add((stage.Name, [.. exchanges.Select(x => x.SourceName)]));
        }

        return found;
    }

    /// <summary>Each keyed stage with the sources it reads without a keyed stage in between, in the order the walk upstream meets them.</summary>
    private static IEnumerable<(Node Stage, List<ISourceNode> Sources)> KeyedStageInputs(Pipeline pipeline)
    {
        foreach (var stage in pipeline.Stages)
        {
            if (!stage.IsKeyed || stage is not Node node) continue;
            var sources = new List<ISourceNode>();
            var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
            var pending = new Stack<Node>(node.Upstream);
            while (pending.TryPop(out var upstream))
            {
                if (!seen.Add(upstream)) continue;
                if (upstream is ISourceNode source)
                {
                    sources.Add(source);
                    continue;
                }

                // A keyed stage upstream reports its own input; its output is grouped by its key already.
                if (upstream is IStageNode { IsKeyed: true }) continue;
                foreach (var next in upstream.Upstream) pending.Push(next);
            }

            yield return (node, sources);
        }
    }
}
