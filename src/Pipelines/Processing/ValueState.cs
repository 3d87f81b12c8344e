using Pipelines.State;

namespace Pipelines;

/// <summary>A value per key; reads and writes the state of the key being processed.</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class ValueState<T>
{
    private readonly IStateCell<T> _cell;

    internal ValueState(IStateCell<T> cell) => _cell = cell;

    /// <summary>Whether the current key has a value.</summary>
    public bool HasValue => _cell.Exists;

    /// <summary>The current key's value, or <c>default</c> when it has none; setting it stores it.</summary>
    public T Value
    {
        get => _cell.Get();
        set => _cell.Set(value);
    }

    /// <summary>The current key's value, or <paramref name="fallback"/> when it has none.</summary>
    /// <param name="fallback">What to return when there is no value.</param>
    public T GetValueOrDefault(T fallback) => _cell.Exists ? _cell.Get() : fallback;

    /// <summary>Removes the current key's value.</summary>
    public void Clear() => _cell.Clear();
}
