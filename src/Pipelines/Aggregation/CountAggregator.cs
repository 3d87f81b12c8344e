namespace Pipelines.Aggregation;

/// <summary>Counts elements.</summary>
internal sealed class CountAggregator<T> : IInPlaceAggregator<T, long, long>
{
    public static readonly CountAggregator<T> Instance = new();

    public long CreateAccumulator() => 0;

    public long Add(long accumulator, T value) => accumulator + 1;

    public void Add(ref long accumulator, in T value) => accumulator++;

    public long Merge(long left, long right) => left + right;

    public long GetResult(long accumulator) => accumulator;
}
