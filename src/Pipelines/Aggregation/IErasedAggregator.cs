namespace Pipelines.Aggregation;

/// <summary>An aggregator whose accumulator type is hidden; a visitor recovers it so operators stay unboxed.</summary>
internal interface IErasedAggregator<TIn, TOut>
{
    TResult Accept<TResult>(IAggregatorVisitor<TIn, TOut, TResult> visitor);
}

/// <summary>Receives an aggregator with its accumulator type restored.</summary>
internal interface IAggregatorVisitor<TIn, TOut, out TResult>
{
    TResult Visit<TAcc>(IAggregator<TIn, TAcc, TOut> aggregator);
}
