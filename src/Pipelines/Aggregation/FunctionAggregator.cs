namespace Pipelines.Aggregation;

/// <summary>An aggregator made of functions: a seed, how to add an element, how to merge (optional), the result.</summary>
internal sealed class FunctionAggregator<T, TAcc, TResult>(TAcc seed, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc>? merge, Func<TAcc, TResult> result)
    : IInPlaceAggregator<T, TAcc, TResult>, IMayNotMerge
{
    public bool CanMerge => merge is not null;

    public TAcc CreateAccumulator() => seed;

    public TAcc Add(TAcc accumulator, T value) => add(accumulator, value);

    public void Add(ref TAcc accumulator, in T value) => accumulator = add(accumulator, value);

    public TAcc Merge(TAcc left, TAcc right) => merge is null
        ? throw new NotSupportedException("This aggregate was made without a merge function, and session windows merge accumulators: pass one to Aggregate(seed, add, merge, result).")
        : merge(left, right);

    public TResult GetResult(TAcc accumulator) => result(accumulator);
}
