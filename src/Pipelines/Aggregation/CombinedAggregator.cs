namespace Pipelines.Aggregation;

/// <summary>Two aggregates of one window in one pass: each element is added to both accumulators.</summary>
internal sealed class CombinedAggregator<T, TA, TRA, TB, TRB>(IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second)
    : IAggregator<T, (TA First, TB Second), (TRA, TRB)>
{
    public (TA First, TB Second) CreateAccumulator() => (first.CreateAccumulator(), second.CreateAccumulator());

    public (TA First, TB Second) Add((TA First, TB Second) accumulator, T value) =>
        (first.Add(accumulator.First, value), second.Add(accumulator.Second, value));

    public (TA First, TB Second) Merge((TA First, TB Second) left, (TA First, TB Second) right) =>
        (first.Merge(left.First, right.First), second.Merge(left.Second, right.Second));

    public (TRA, TRB) GetResult((TA First, TB Second) accumulator) => (first.GetResult(accumulator.First), second.GetResult(accumulator.Second));
}

/// <summary>Three aggregates of one window in one pass: each element is added to the three accumulators.</summary>
internal sealed class CombinedAggregator<T, TA, TRA, TB, TRB, TC, TRC>(IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second, IAggregator<T, TC, TRC> third)
    : IAggregator<T, (TA First, TB Second, TC Third), (TRA, TRB, TRC)>
{
    public (TA First, TB Second, TC Third) CreateAccumulator() => (first.CreateAccumulator(), second.CreateAccumulator(), third.CreateAccumulator());

    public (TA First, TB Second, TC Third) Add((TA First, TB Second, TC Third) accumulator, T value) =>
        (first.Add(accumulator.First, value), second.Add(accumulator.Second, value), third.Add(accumulator.Third, value));

    public (TA First, TB Second, TC Third) Merge((TA First, TB Second, TC Third) left, (TA First, TB Second, TC Third) right) =>
        (first.Merge(left.First, right.First), second.Merge(left.Second, right.Second), third.Merge(left.Third, right.Third));

    public (TRA, TRB, TRC) GetResult((TA First, TB Second, TC Third) accumulator) =>
        (first.GetResult(accumulator.First), second.GetResult(accumulator.Second), third.GetResult(accumulator.Third));
}
