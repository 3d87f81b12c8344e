namespace Pipelines.Plan;

/// <summary>
/// Which sources are asked for the origin of each element (<see cref="SourceContext.TracksOrigins"/>): those from
/// which an exchange that receives origins (<see cref="Sink{T}.ReceivesOrigins"/>) is reached through operators that
/// each map one record to its elements, in order, and carry the origin along: <c>Where</c>, <c>Select</c>,
/// <c>SelectMany</c> and <c>WithEventTime</c> (fused or not). Any other operator on the way (a union, a buffer, a
/// stage) ends the path: the exchange then gets no origins and drops nothing.
/// </summary>
internal static class OriginPaths
{
    /// <summary>
    /// True when <paramref name="input"/> (a sink's input) comes from one source through operators that carry
    /// origins only: no union or other merge mixes two streams' origins, so one record's elements come one after
    /// another and no two records share an origin.
    /// </summary>
    public static bool FromOneSource(Node input)
    {
        var node = input;
        while (node is ICarriesOrigins) node = node.Upstream.Single();
        return node is ISourceNode;
    }

    public static bool ReachExchange(Node node)
    {
        foreach (var consumer in node.Consumers)
        {
            switch (consumer)
            {
                case ICarriesOrigins carrier when ReachExchange((Node)carrier):
                    return true;
                case IStageInput { Stage: ISinkNode sink } when sink.ReceivesOrigins:
                    return true;
            }
        }

        return false;
    }
}

/// <summary>An operator that carries each element's origin to what it emits for it (<see cref="OriginPaths"/>).</summary>
internal interface ICarriesOrigins;
