using Pipelines.Plan;

namespace Pipelines;

public partial class DataStream<T>
{
    /// <summary>
    /// The first <paramref name="count"/> elements of the stream, in the order they reach this operator; the rest
    /// are dropped. Under the bounded executor, once the count is reached, a source whose every path to a sink goes
    /// through a finished <c>Take</c>/<c>TakeWhile</c> stops being read (the run ends early, cleanly: windows fire,
    /// sinks complete, the source commits what it read). Under the streaming executor the result is a finite prefix;
    /// the input goes on being read (and dropped) until it ends or the run is stopped. Runs as one worker, so the
    /// count is the pipeline's; with several inputs (a union) which elements come first depends on arrival order.
    /// </summary>
    /// <param name="count">How many elements to keep; zero or more.</param>
    public DataStream<T> Take(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new DataStream<T>(Builder, Builder.Add(new TakeNode<T>(Builder.NextId(), Node, count, null)));
    }

    /// <summary>
    /// The elements up to (not including) the first for which <paramref name="predicate"/> is false; that one and
    /// everything after it are dropped, and the input ends early as for <see cref="Take"/>. A predicate that throws
    /// is handled by the operator's error policy (<c>OnError</c> on the returned stream, or the pipeline's): under
    /// Skip or DeadLetter the element is left out and taking goes on.
    /// </summary>
    /// <param name="predicate">True for the elements to keep.</param>
    public DataStream<T> TakeWhile(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new DataStream<T>(Builder, Builder.Add(new TakeNode<T>(Builder.NextId(), Node, long.MaxValue, predicate)));
    }
}
