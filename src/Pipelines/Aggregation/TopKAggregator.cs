namespace Pipelines.Aggregation;

/// <summary>
/// The <c>k</c> elements with the largest projection, largest first. The accumulator is a small sorted
/// list that <see cref="Add"/> updates in place; ties keep the element added first.
/// </summary>
internal sealed class TopKAggregator<T, TValue>(int k, Func<T, TValue> selector) : IAggregator<T, List<(TValue Score, T Item)>, IReadOnlyList<T>>
    where TValue : IComparable<TValue>
{
    public List<(TValue Score, T Item)> CreateAccumulator() => new(Math.Min(k, 16));

    public List<(TValue Score, T Item)> Add(List<(TValue Score, T Item)> accumulator, T value)
    {
        Insert(accumulator, selector(value), value);
        return accumulator;
    }

    public List<(TValue Score, T Item)> Merge(List<(TValue Score, T Item)> left, List<(TValue Score, T Item)> right)
    {
        var merged = new List<(TValue Score, T Item)>(left);
        foreach (var (score, item) in right) Insert(merged, score, item);
        return merged;
    }

    public IReadOnlyList<T> GetResult(List<(TValue Score, T Item)> accumulator)
    {
        var result = new T[accumulator.Count];
        for (int i = 0; i < result.Length; i++) result[i] = accumulator[i].Item;
        return result;
    }

    private void Insert(List<(TValue Score, T Item)> list, TValue score, T item)
    {
        int position = list.Count;
        while (position > 0 && score.CompareTo(list[position - 1].Score) > 0) position--;
        if (position >= k) return;
        list.Insert(position, (score, item));
        if (list.Count > k) list.RemoveAt(list.Count - 1);
    }
}
