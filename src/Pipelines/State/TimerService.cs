namespace Pipelines.State;

/// <summary>
/// The timers of one stage worker: event-time timers fired as the watermark passes them and processing-time
/// timers fired as the run's clock does, per (key, namespace). A timer holds a reference on its key, so the key
/// (and its id) stays until the timer has fired or been deleted. One implementation for every stateful operator.
/// </summary>
internal sealed partial class TimerService<TKey>(KeyTable<TKey> keys)
    where TKey : notnull
{
    private readonly TimerQueue _eventTime = new();
    private readonly TimerQueue _processingTime = new();

    /// <summary>Registers a timer; false (and nothing changes) when the same timer is registered already.</summary>
    public bool Register(TimeDomain domain, int key, Window ns, long time)
    {
        if (!Queue(domain).Add(key, ns, time)) return false;
        keys.AddReference(key);
        return true;
    }

    /// <summary>
    /// Registers a timer that the caller registers only once and never deletes (a window's on-time and cleanup
    /// timers): it skips the uniqueness index, which makes it cheaper; registering it twice would fire it twice.
    /// </summary>
    public void RegisterOnce(TimeDomain domain, int key, Window ns, long time)
    {
        Queue(domain).AddOnce(key, ns, time);
        keys.AddReference(key);
    }

    /// <summary>Deletes a timer; false when it was not registered.</summary>
    public bool Delete(TimeDomain domain, int key, Window ns, long time)
    {
        if (!Queue(domain).Remove(key, ns, time)) return false;
        keys.Release(key);
        return true;
    }

    /// <summary>Whether a timer is registered.</summary>
    public bool IsRegistered(TimeDomain domain, int key, Window ns, long time) => Queue(domain).Contains(key, ns, time);

    /// <summary>
    /// Takes the next timer of <paramref name="domain"/> due at or before <paramref name="time"/>. The caller
    /// handles it, then calls <see cref="Fired"/> (the key stays valid until then).
    /// </summary>
    public bool TryPopDue(TimeDomain domain, long time, out KeyedTimer timer) => Queue(domain).TryPopDue(time, out timer);

    /// <summary>A timer taken with <see cref="TryPopDue"/> has been handled: releases its key.</summary>
    public void Fired(in KeyedTimer timer) => keys.Release(timer.Key);

    /// <summary>Timers registered in <paramref name="domain"/>.</summary>
    public int Count(TimeDomain domain) => Queue(domain).Count;

    /// <summary>The earliest time in <paramref name="domain"/> (possibly of a deleted timer), or <see cref="long.MaxValue"/>.</summary>
    public long NextTime(TimeDomain domain) => Queue(domain).NextTime;

    /// <summary>Every registered timer of <paramref name="domain"/>, for snapshots and inspection.</summary>
    public IEnumerable<KeyedTimer> Pending(TimeDomain domain) => Queue(domain).Pending();

    /// <summary>The run ended: drops every timer and gives the queues' arrays back to the pool (<see cref="StateArrays"/>).</summary>
    public void ReleaseArrays()
    {
        _eventTime.ReleaseArrays();
        _processingTime.ReleaseArrays();
    }

    private TimerQueue Queue(TimeDomain domain) => domain == TimeDomain.EventTime ? _eventTime : _processingTime;
}
