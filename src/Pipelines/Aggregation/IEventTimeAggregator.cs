namespace Pipelines.Aggregation;

/// <summary>Aggregators whose result depends on event time (first, last) implement this as well; the window operators call it instead of <see cref="IAggregator{TIn,TAcc,TOut}.Add"/>.</summary>
internal interface IEventTimeAggregator<in TIn, TAcc>
{
    TAcc Add(TAcc accumulator, TIn value, long timestamp);
}
