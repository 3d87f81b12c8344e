namespace Pipelines.Aggregation;

/// <summary>
/// Aggregators whose result may depend on event time (first, last, and combinations or boxed forms of aggregators)
/// implement this as well; where <see cref="UsesEventTime"/> is true the window operators call it instead of
/// <see cref="IAggregator{TIn,TAcc,TOut}.Add"/>.
/// </summary>
internal interface IEventTimeAggregator<in TIn, TAcc>
{
    /// <summary>Whether the result depends on event time; false for a combination of aggregates none of which does, which is added to without it.</summary>
    bool UsesEventTime => true;

    TAcc Add(TAcc accumulator, TIn value, long timestamp);
}

/// <summary>Adds an element to an aggregate's accumulator with its event time when the aggregate uses it.</summary>
internal static class EventTimeAdd
{
    /// <summary>The timed form of <paramref name="aggregator"/>, or null when it does not use event time.</summary>
    public static IEventTimeAggregator<TIn, TAcc>? Of<TIn, TAcc, TOut>(IAggregator<TIn, TAcc, TOut> aggregator) =>
        aggregator is IEventTimeAggregator<TIn, TAcc> { UsesEventTime: true } timed ? timed : null;

    /// <summary>The accumulator with <paramref name="value"/> added, with its event time when <paramref name="timed"/> is set.</summary>
    public static TAcc Add<TIn, TAcc, TOut>(IAggregator<TIn, TAcc, TOut> aggregator, IEventTimeAggregator<TIn, TAcc>? timed, TAcc accumulator, TIn value, long timestamp) =>
        timed is null ? aggregator.Add(accumulator, value) : timed.Add(accumulator, value, timestamp);
}
