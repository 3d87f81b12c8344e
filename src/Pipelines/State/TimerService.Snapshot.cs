namespace Pipelines.State;

/// <summary>Enumerating and restoring timers for snapshots.</summary>
internal sealed partial class TimerService<TKey>
{
    /// <summary>Every timer of <paramref name="domain"/> in firing order, with whether it was registered with <see cref="RegisterOnce"/>.</summary>
    public IEnumerable<(KeyedTimer Timer, bool Once)> InFiringOrder(TimeDomain domain) => Queue(domain).InFiringOrder();

    /// <summary>Deletes every timer of a key <paramref name="drop"/> selects, in both domains, releasing their keys.</summary>
    public void RemoveKeys(Func<int, bool> drop)
    {
        foreach (var domain in (ReadOnlySpan<TimeDomain>)[TimeDomain.EventTime, TimeDomain.ProcessingTime])
        {
            foreach (var timer in Queue(domain).RemoveKeys(drop)) keys.Release(timer.Key);
        }
    }
}
