namespace Pipelines.State;

/// <summary>Enumerating and restoring timers for snapshots.</summary>
internal sealed partial class TimerService<TKey>
{
    /// <summary>Every timer of <paramref name="domain"/> in firing order, with whether it was registered with <see cref="RegisterOnce"/>.</summary>
    public IEnumerable<(KeyedTimer Timer, bool Once)> InFiringOrder(TimeDomain domain) => Queue(domain).InFiringOrder();
}
