using Pipelines.State;

namespace Pipelines;

/// <summary>A list per key; reads and writes the state of the key being processed.</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ListState<T>
{
    private readonly IStateCell<List<T>> _cell;

    internal ListState(IStateCell<List<T>> cell) => _cell = cell;

    /// <summary>How many items the current key holds.</summary>
    public int Count => _cell.Get()?.Count ?? 0;

    /// <summary>The current key's items, in the order added (empty when none); a <c>foreach</c> over them allocates nothing.</summary>
    public ListStateItems<T> Items => new(_cell.Get());

    /// <summary>Adds an item to the current key's list.</summary>
    /// <param name="item">The item.</param>
    public void Add(T item) => _cell.GetOrCreate(static () => []).Add(item);

    /// <summary>Removes the items that match <paramref name="match"/>; the key's list goes when it is empty.</summary>
    /// <param name="match">Which items to remove.</param>
    /// <returns>How many were removed.</returns>
    public int RemoveAll(Predicate<T> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (_cell.Get() is not { } list) return 0;
        int removed = list.RemoveAll(match);
        if (list.Count == 0) _cell.Clear();
        return removed;
    }

    /// <summary>Removes the current key's list.</summary>
    public void Clear() => _cell.Clear();
}
