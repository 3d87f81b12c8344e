namespace Pipelines.State;

/// <summary>A registered timer: a key id, a namespace and the time it fires at.</summary>
/// <param name="Key">The key id in the worker's <see cref="KeyTable{TKey}"/>.</param>
/// <param name="Namespace">The window the timer belongs to (<see cref="Namespaces.Global"/> for per-key timers).</param>
/// <param name="Time">Event-time or processing-time ticks.</param>
internal readonly record struct KeyedTimer(int Key, Window Namespace, long Time);
