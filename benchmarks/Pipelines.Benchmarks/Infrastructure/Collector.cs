using System.Runtime.CompilerServices;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// Where every contender puts its results: the same cheap, non-virtual work per result for all of them (a count
/// and an order-independent checksum), plus the results themselves when validating.
/// Used from one thread at a time (every contender has a single sink stage).
/// </summary>
/// <typeparam name="T">The result type.</typeparam>
public sealed class Collector<T>
    where T : struct, IResult<T>
{
    private readonly List<T>? _items;
    private long _count;
    private ulong _checksum;

    /// <summary>Creates a collector.</summary>
    /// <param name="keepItems">Keep every result (validation) or only count and checksum (timed runs).</param>
    public Collector(bool keepItems) => _items = keepItems ? [] : null;

    /// <summary>How many results arrived.</summary>
    public long Count => _count;

    /// <summary>Sum of the results' hashes (order-independent).</summary>
    public ulong Checksum => _checksum;

    /// <summary>The results, in arrival order (validation only).</summary>
    public List<T> Items => _items ?? throw new InvalidOperationException("This collector does not keep items.");

    /// <summary>Takes one result.</summary>
    /// <param name="item">The result.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(in T item)
    {
        _count++;
        _checksum += item.Hash();
        _items?.Add(item);
    }

    /// <summary>Takes a batch of results.</summary>
    /// <param name="items">The results.</param>
    public void AddRange(ReadOnlySpan<T> items)
    {
        for (int i = 0; i < items.Length; i++) Add(items[i]);
    }
}
