using Pipelines.Operators;
using Pipelines.Plan;

namespace Pipelines;

public partial class DataStream<T>
{
    /// <summary>
    /// Rx's <c>Sample</c>: the latest element of each <paramref name="interval"/> of processing time (the run's
    /// <c>TimeProvider</c>; periods aligned to multiples of the interval since the epoch), emitted once the period is
    /// over; the other elements of the period are dropped on purpose (a dashboard fed at most once a second, say). An
    /// element keeps its event time; the last one held is emitted at the end of input. One worker over the whole
    /// stream. The bounded executor reads as fast as it can and has no clock ticks: it samples by the clock when the
    /// elements are read, so it keeps few elements of a fast input.
    /// </summary>
    /// <param name="interval">The sampling period; positive.</param>
    public DataStream<T> Sample(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return new DataStream<T>(Builder, Builder.Add(new TimedStageNode<T>(Builder.NextId(), Node, "Sample", (clock, output) => new Sample<T>(interval, clock, output))));
    }

    /// <summary>
    /// Rate limiting as Akka Streams' <c>throttle(elements, per)</c> (shaping): at most <paramref name="elements"/> per
    /// <paramref name="per"/> on average, with bursts of up to <paramref name="maximumBurst"/> after a quiet spell (a
    /// token bucket on the run's <c>TimeProvider</c>). Elements are delayed, never dropped, and the source is held
    /// back while they wait; order, event times, watermarks and barriers stay in place. Both executors throttle, so a
    /// bounded bulk load into a rate-limited API keeps to the rate too. One worker over the whole stream.
    /// </summary>
    /// <remarks>
    /// Rx.NET's <c>Throttle</c> is something else — it drops elements until a quiet period (what other libraries call
    /// debounce); for "at most one per period, the latest" use <see cref="Sample"/>.
    /// </remarks>
    /// <param name="elements">Elements per <paramref name="per"/>; at least 1.</param>
    /// <param name="per">The period of the rate; positive.</param>
    /// <param name="maximumBurst">The most elements passed at once after a quiet spell (default: <paramref name="elements"/>); at least 1.</param>
    public DataStream<T> Throttle(int elements, TimeSpan per, int? maximumBurst = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elements, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(per, TimeSpan.Zero);
        int burst = maximumBurst ?? elements;
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1, nameof(maximumBurst));
        return new DataStream<T>(Builder, Builder.Add(new TimedStageNode<T>(Builder.NextId(), Node, "Throttle", (clock, output) => new Throttle<T>(elements, per, burst, clock, output))));
    }
}
