namespace Pipelines.State;

/// <summary>One piece of keyed state, as enumerated for snapshots and inspection.</summary>
/// <param name="State">The name of the state within its operator.</param>
/// <param name="Key">The key.</param>
/// <param name="Namespace">The window it belongs to (<see cref="Namespaces.Global"/> for per-key state).</param>
/// <param name="Value">The value held.</param>
internal readonly record struct StateEntry<TKey>(string State, TKey Key, Window Namespace, object? Value);
