namespace Pipelines.Plan;

/// <summary>
/// Which sources are asked for the origin of each element (<see cref="SourceContext.TracksOrigins"/>): those from
/// which an exchange that receives origins (<see cref="Sink{T}.ReceivesOrigins"/>) is reached through operators that
/// each map one record to its elements, in order, and carry the origin along: <c>Where</c>, <c>Select</c>,
/// <c>SelectMany</c> and <c>WithEventTime</c> (fused or not), and a union of such paths from different sources. Any
/// other operator on the way (a buffer, a stage) ends the path, and so does a union two of whose inputs come from one
/// source (a record would have two elements at one origin): the exchange then gets no origins and drops nothing.
/// </summary>
internal static class OriginPaths
{
    /// <summary>
    /// True when <paramref name="input"/> (a sink's input) comes from one source through operators that carry
    /// origins only, or from a union of such paths from different sources: each source's records' elements come one
    /// after another, and no two records share an origin (the sources behind a union number their partitions apart,
    /// <see cref="SaltOf"/>).
    /// </summary>
    public static bool CarriedFromSources(Node input) => Collect(input, []);

    private static bool Collect(Node node, HashSet<Node> sources)
    {
        while (node is ICarriesOrigins) node = node.Upstream.Single();
        if (node is ISourceNode) return sources.Add(node);
        if (node is not IUnionNode) return false;
        foreach (var input in node.Upstream)
        {
            if (!Collect(input, sources)) return false;
        }

        return true;
    }

    public static bool ReachExchange(Node node) => Reach(node, throughUnion: false) != Path.None;

    /// <summary>
    /// What the origins of <paramref name="source"/>'s partitions are mixed with so that they differ from every
    /// other source's: 0 (kept as read) unless they reach an exchange through a union, where two sources' partitions
    /// with the same number (partition 0 of two topics) would collide; else a number derived from the source node's
    /// place in the graph, the same in every instance that builds the pipeline.
    /// </summary>
    public static long SaltOf(Node source) => Reach(source, throughUnion: false) == Path.ThroughUnion ? ElementOrigin.SaltFor(source.Id) : 0;

    private enum Path
    {
        None,
        Direct,
        ThroughUnion,
    }

    private static Path Reach(Node node, bool throughUnion)
    {
        var found = Path.None;
        foreach (var consumer in node.Consumers)
        {
            var path = consumer switch
            {
                ICarriesOrigins carrier => Reach((Node)carrier, throughUnion),
                IUnionNode union => Reach((Node)union, throughUnion: true),
                IStageInput { Stage: ISinkNode { ReceivesOrigins: true } } => throughUnion ? Path.ThroughUnion : Path.Direct,
                _ => Path.None,
            };
            if (path > found) found = path;
        }

        return found;
    }
}

/// <summary>An operator that carries each element's origin to what it emits for it (<see cref="OriginPaths"/>).</summary>
internal interface ICarriesOrigins;

/// <summary>A union: its consumers read each input's elements as they come (<see cref="OriginPaths"/>).</summary>
internal interface IUnionNode;
