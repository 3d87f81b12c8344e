namespace Pipelines.Aggregation;

/// <summary>
/// Built-in aggregators whose accumulator is updated where it is stored: the window operators call this instead
/// of <see cref="IAggregator{TIn,TAcc,TOut}.Add"/>, so neither the accumulator nor the element is copied.
/// </summary>
internal interface IInPlaceAggregator<TIn, TAcc>
{
    void Add(ref TAcc accumulator, in TIn value);
}
