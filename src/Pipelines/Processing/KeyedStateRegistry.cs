using Pipelines.State;
using Pipelines.State.Snapshots;

namespace Pipelines;

/// <summary>Where a <see cref="KeyedProcessFunction{TKey,TIn,TResult}"/> declares its state (in <c>Open</c>).</summary>
public sealed class KeyedStateRegistry
{
    private readonly IStateBinder _binder;

    internal KeyedStateRegistry(IStateBinder binder) => _binder = binder;

    /// <summary>Declares a value per key.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="name">Unique within the function.</param>
    public ValueState<T> Value<T>(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ValueState<T>(_binder.Bind<T>(name));
    }

    /// <summary>Declares a list per key.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="name">Unique within the function.</param>
    public ListState<T> List<T>(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ListState<T>(_binder.Bind<List<T>>(name, (serializers, op) => new ListCodec<T>(serializers.Require<T>(op, $"list state '{name}' item"))));
    }

    /// <summary>Declares a map per key.</summary>
    /// <typeparam name="TMapKey">The map's key type.</typeparam>
    /// <typeparam name="TMapValue">The map's value type.</typeparam>
    /// <param name="name">Unique within the function.</param>
    public MapState<TMapKey, TMapValue> Map<TMapKey, TMapValue>(string name)
        where TMapKey : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new MapState<TMapKey, TMapValue>(_binder.Bind<Dictionary<TMapKey, TMapValue>>(
            name,
            (serializers, op) => new DictionaryCodec<TMapKey, TMapValue>(serializers.Require<TMapKey>(op, $"map state '{name}' key"), serializers.Require<TMapValue>(op, $"map state '{name}' value"))));
    }
}
