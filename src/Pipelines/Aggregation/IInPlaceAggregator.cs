namespace Pipelines;

/// <summary>
/// An <see cref="IAggregator{TIn,TAcc,TOut}"/> that can also add an element to the accumulator where the window
/// state holds it. The window operators call <see cref="Add(ref TAcc, in TIn)"/> instead of
/// <see cref="IAggregator{TIn,TAcc,TOut}.Add(TAcc, TIn)"/>, so a struct accumulator is neither copied out of the
/// state nor written back whole for every element (a few fields change where they are), and an element is
/// passed by reference. The built-in aggregates (count, sum, min, max, average, reduce, combined and the
/// lambda aggregates) implement it; implement it on your own aggregator when its accumulator is a struct larger
/// than a word or two. Checkpoints store the accumulator as before.
/// </summary>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
public interface IInPlaceAggregator<TIn, TAcc, TOut> : IAggregator<TIn, TAcc, TOut>
{
    /// <summary>
    /// Adds <paramref name="value"/> to <paramref name="accumulator"/> in place. Must leave the accumulator as
    /// <see cref="IAggregator{TIn,TAcc,TOut}.Add(TAcc, TIn)"/> would return it, and unchanged when it throws (a
    /// failing element is skipped or dead-lettered and must leave no trace in the window).
    /// </summary>
    /// <param name="accumulator">The accumulator, where the window state holds it.</param>
    /// <param name="value">The element.</param>
    void Add(ref TAcc accumulator, in TIn value);
}
