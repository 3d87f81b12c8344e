using Pipelines.Plan;

namespace Pipelines;

public partial class DataStream<T>
{
    /// <summary>
    /// Splits the stream in two by <paramref name="predicate"/>, called once per element: the elements for which it
    /// holds go to <c>Matching</c>, the others to <c>NotMatching</c> (a side output, as Flink's side outputs and Akka's
    /// <c>DivertTo</c>). Both keep the elements' order and event times, and both carry the watermark; either may be
    /// left unconnected. Deconstruct it: <c>var (big, small) = orders.Split(o =&gt; o.Amount &gt; 100);</c>.
    /// </summary>
    /// <remarks>
    /// A predicate that throws is handled by the policy set with <c>OnError</c> on <c>Matching</c> (or the
    /// pipeline's): the element goes to neither output, and the error names it.
    /// </remarks>
    /// <param name="predicate">True for the elements that go to <c>Matching</c>.</param>
    /// <returns>The two streams.</returns>
    public (DataStream<T> Matching, DataStream<T> NotMatching) Split(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var node = new SplitNode<T>(Builder.NextId(), Builder.NextId(), Node, predicate);
        Node.Consumers.Add(node);
        Builder.Add(node);
        return (new DataStream<T>(Builder, node), new DataStream<T>(Builder, node.NotMatching));
    }
}
