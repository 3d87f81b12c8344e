using Pipelines.Plan;

namespace Pipelines;

public partial class DataStream<T>
{
    /// <summary>
    /// Sends the stream through <paramref name="exchange"/> (a Kafka repartition topic, say) and returns the stream
    /// that comes back from it: with several instances of the pipeline, the elements every instance sends, as the
    /// exchange routes them. Event time and watermarks cross when the exchange carries them.
    /// </summary>
    /// <param name="exchange">The exchange; adapter packages provide them (<c>Repartition</c> in Pipelines.Kafka).</param>
    /// <returns>The stream read back from the exchange.</returns>
    public DataStream<T> Through(Exchange<T> exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        Builder.EnsureOpen();
        var context = new ExchangeContext(Builder.Name, Builder.NextExchange(), Name, HasEventTime, UpstreamSources());
        var endpoints = exchange.Connect(context) ?? throw new InvalidOperationException($"{exchange.GetType().Name}.Connect returned no endpoints.");
        if (HasEventTime && !endpoints.Source.ProvidesEventTime)
        {
            throw new InvalidOperationException(
                $"Exchange {exchange.GetType().Name} returned source '{endpoints.Source.Name}' without event time for stream '{Name}', which has event time: the windows after it would have none.");
        }

        To(endpoints.Sink);
        return Builder.From(endpoints.Source);
    }

    private List<object> UpstreamSources()
    {
        var found = new List<object>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Node>();
        pending.Push(Node);
        while (pending.TryPop(out var node))
        {
            if (!seen.Add(node)) continue;
            if (node is ISourceNode source) found.Add(source.SourceObject);
            foreach (var upstream in node.Upstream) pending.Push(upstream);
        }

        return found;
    }
}
