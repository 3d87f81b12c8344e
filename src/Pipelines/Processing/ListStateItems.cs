using System.Collections;

namespace Pipelines;

/// <summary>
/// The items a <see cref="ListState{T}"/> holds for the key being processed, in the order added: a read-only view of
/// the key's list (later changes to the state show through it). A <c>foreach</c> over it allocates nothing; as an
/// <see cref="IReadOnlyList{T}"/> it works with LINQ and anything else that takes a sequence.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public readonly struct ListStateItems<T> : IReadOnlyList<T>
{
    private static readonly List<T> None = [];

    private readonly List<T>? _list;

    internal ListStateItems(List<T>? list) => _list = list;

    /// <summary>How many items there are.</summary>
    public int Count => _list?.Count ?? 0;

    /// <summary>The item at <paramref name="index"/>.</summary>
    /// <param name="index">From 0 to <see cref="Count"/> − 1.</param>
    public T this[int index] => (_list ?? None)[index];

    /// <summary>Enumerates the items without allocating; adding to or removing from the state while enumerating throws, as for a <see cref="List{T}"/>.</summary>
    /// <returns>The enumerator.</returns>
    public List<T>.Enumerator GetEnumerator() => (_list ?? None).GetEnumerator();

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
