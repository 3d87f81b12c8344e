namespace Pipelines.State;

/// <summary>Enumerating the timers in the order they will fire, for snapshots, and handing a key's timers over.</summary>
internal sealed partial class TimerQueue
{
    /// <summary>
    /// Every registered timer in firing order (time, then registration), with whether it was added with
    /// <see cref="AddOnce"/>: re-registering them in this order into an empty queue gives the same queue.
    /// </summary>
    public IEnumerable<(KeyedTimer Timer, bool Once)> InFiringOrder()
    {
        for (int n = _firingNext; n >= 0; n = _nodes[n].Next)
        {
            if (Live(n, _firingTime, out var timer)) yield return timer;
        }

        var buckets = new List<TimeBucket>(_heap.Count + (_sorted is null ? 0 : _sortedCount - _sortedAt));
        foreach (var bucket in _heap.Items) buckets.Add(bucket);
        if (_sorted is { } sorted)
        {
            for (int i = _sortedAt; i < _sortedCount; i++) buckets.Add(sorted[i]);
        }

        buckets.Sort(static (a, b) => a.Before(b) ? -1 : b.Before(a) ? 1 : 0);
        foreach (var bucket in buckets)
        {
            for (int n = bucket.First; n >= 0; n = _nodes[n].Next)
            {
                if (Live(n, bucket.Time, out var timer)) yield return timer;
            }
        }
    }

    // Deleted timers leave their nodes in their buckets until their time comes; every other node is one timer
    // (registering a timer again after deleting it makes a new node).
    private bool Live(int n, long time, out (KeyedTimer Timer, bool Once) timer)
    {
        var node = _nodes[n];
        timer = (new KeyedTimer(node.Key, node.Namespace, time), node.State == OnceNode);
        return node.State != DeletedNode;
    }

    /// <summary>
    /// Removes every timer whose key <paramref name="drop"/> selects (the keys of partitions handed to another
    /// instance) and returns them; the others keep their firing order. The sorted end-of-input drain, if one is
    /// under way, starts over (the kept timers go back into the heap).
    /// </summary>
    public List<KeyedTimer> RemoveKeys(Func<int, bool> drop)
    {
        var all = InFiringOrder().ToList();
        var removed = all.Where(t => drop(t.Timer.Key)).Select(t => t.Timer).ToList();
        if (removed.Count == 0) return removed;
        Array.Clear(_nodes, 0, _nodesUsed);
        ForgetAll();
        Array.Clear(_keys);
        IndexClear();
        _heap.Clear();
        foreach (var (timer, once) in all)
        {
            if (drop(timer.Key)) continue;
            if (once) AddOnce(timer.Key, timer.Namespace, timer.Time);
            else Add(timer.Key, timer.Namespace, timer.Time);
        }

        return removed;
    }
}
