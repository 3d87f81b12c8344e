namespace Pipelines;

/// <summary>
/// An incremental aggregation: elements are added to an accumulator one by one, accumulators of
/// partial inputs merge, and the result is read at the end. The laws the executors rely on:
/// <c>Merge</c> is associative, <c>CreateAccumulator()</c> is its identity, and adding elements to one
/// accumulator gives the same result as adding them to several and merging those.
/// </summary>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TAcc">The accumulator type; a struct avoids an allocation per window.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
public interface IAggregator<in TIn, TAcc, out TOut>
{
    /// <summary>A new, empty accumulator.</summary>
    TAcc CreateAccumulator();

    /// <summary>Adds <paramref name="value"/> to <paramref name="accumulator"/> and returns the updated accumulator (mutating and returning the same instance is allowed).</summary>
    /// <param name="accumulator">The accumulator.</param>
    /// <param name="value">The element.</param>
    TAcc Add(TAcc accumulator, TIn value);

    /// <summary>Combines two accumulators (used when session windows merge).</summary>
    /// <param name="left">The accumulator of the earlier part.</param>
    /// <param name="right">The accumulator of the later part.</param>
    TAcc Merge(TAcc left, TAcc right);

    /// <summary>The result for an accumulator; must not change the accumulator.</summary>
    /// <param name="accumulator">The accumulator.</param>
    TOut GetResult(TAcc accumulator);
}
