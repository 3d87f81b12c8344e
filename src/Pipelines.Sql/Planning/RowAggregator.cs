using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Planning;

/// <summary>All aggregate calls of a query as one <see cref="IAggregator{TIn,TAcc,TOut}"/>: one accumulator per call.</summary>
internal sealed class RowAggregator(IReadOnlyList<AggregateCall> calls) : IAggregator<Row, Accumulator[], object?[]>
{
    private static readonly object Star = new();

    public Accumulator[] CreateAccumulator()
    {
        var accumulators = new Accumulator[calls.Count];
        for (int i = 0; i < calls.Count; i++) accumulators[i] = Accumulator.Create(calls[i]);
        return accumulators;
    }

    public Accumulator[] Add(Accumulator[] accumulator, Row value)
    {
        for (int i = 0; i < calls.Count; i++)
        {
            var argument = calls[i].Argument;
            accumulator[i].Add(argument is null ? Star : argument(value));
        }
        return accumulator;
    }

    public Accumulator[] Merge(Accumulator[] left, Accumulator[] right)
    {
        for (int i = 0; i < left.Length; i++) left[i].Merge(right[i]);
        return left;
    }

    public object?[] GetResult(Accumulator[] accumulator)
    {
        var result = new object?[accumulator.Length];
        for (int i = 0; i < accumulator.Length; i++) result[i] = accumulator[i].Result;
        return result;
    }
}
