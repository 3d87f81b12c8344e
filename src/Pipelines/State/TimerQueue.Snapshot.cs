namespace Pipelines.State;

/// <summary>Enumerating the timers in the order they will fire, for snapshots.</summary>
internal sealed partial class TimerQueue
{
    /// <summary>
    /// Every registered timer in firing order (time, then registration), with whether it was added with
    /// <see cref="AddOnce"/>: re-registering them in this order into an empty queue gives the same queue.
    /// </summary>
    public IEnumerable<(KeyedTimer Timer, bool Once)> InFiringOrder()
    {
        var seen = new HashSet<TimerId>();
        if (_hasFiring)
        {
            int count = 1 + (_firing.Rest?.Count ?? 0);
            for (int i = _firingAt; i < count; i++)
            {
                var entry = i == 0 ? _firing.First : _firing.Rest![i - 1];
                if (Live(entry, _firingTime, seen)) yield return (new KeyedTimer(entry.Key, new Window(entry.Start, entry.End), _firingTime), !entry.Tracked);
            }
        }

        var times = _byTime.Keys.ToArray();
        Array.Sort(times);
        foreach (long time in times)
        {
            var bucket = _byTime[time];
            if (Live(bucket.First, time, seen)) yield return (new KeyedTimer(bucket.First.Key, new Window(bucket.First.Start, bucket.First.End), time), !bucket.First.Tracked);
            if (bucket.Rest is null) continue;
            foreach (var entry in bucket.Rest)
            {
                if (Live(entry, time, seen)) yield return (new KeyedTimer(entry.Key, new Window(entry.Start, entry.End), time), !entry.Tracked);
            }
        }
    }

    // A tracked timer fires from its first list entry while it is registered (a deleted one leaves entries behind,
    // and one deleted and registered again has two); an untracked one always fires.
    private bool Live(Entry entry, long time, HashSet<TimerId> seen) =>
        !entry.Tracked || (_registered.Contains(new TimerId(entry.Key, entry.Start, entry.End, time)) && seen.Add(new TimerId(entry.Key, entry.Start, entry.End, time)));

    /// <summary>
    /// Removes every timer whose key <paramref name="drop"/> selects (the keys of partitions handed to another
    /// instance) and returns them; the others keep their firing order.
    /// </summary>
    public List<KeyedTimer> RemoveKeys(Func<int, bool> drop)
    {
        var all = InFiringOrder().ToList();
        var removed = all.Where(t => drop(t.Timer.Key)).Select(t => t.Timer).ToList();
        if (removed.Count == 0) return removed;
        _byTime.Clear();
        _times.Clear();
        _sorted = null;
        _sortedAt = 0;
        _registered.Clear();
        _firing = default;
        _hasFiring = false;
        _firingAt = 0;
        _untracked = 0;
        foreach (var (timer, once) in all)
        {
            if (drop(timer.Key)) continue;
            if (once) AddOnce(timer.Key, timer.Namespace, timer.Time);
            else Add(timer.Key, timer.Namespace, timer.Time);
        }

        return removed;
    }
}
