namespace Pipelines.State;

/// <summary>
/// The timers of one time domain. Timers are unique per (key, namespace, time): registering one again does
/// nothing. They fire in time order and, at one time, in registration order, which makes the bounded executor's
/// output order deterministic. Timers are grouped by time (every key's window ending at the same moment fires
/// from one list), so advancing time touches only the timers that are due. A deleted timer leaves its list entry
/// behind, skipped when its time comes. Timers added with <see cref="AddOnce"/> skip the uniqueness index (the
/// caller guarantees uniqueness and never deletes them): the cheap path for a window's own timers.
/// </summary>
internal sealed class TimerQueue
{
    private readonly Dictionary<long, List<(int Key, long Start, long End, bool Tracked)>> _byTime = new();
    private readonly PriorityQueue<long, long> _times = new();
    private readonly HashSet<(int Key, long Start, long End, long Time)> _registered = [];
    private readonly Stack<List<(int, long, long, bool)>> _spare = new();
    private List<(int Key, long Start, long End, bool Tracked)>? _firing;
    private int _untracked;
    private long _firingTime;
    private int _firingAt;

    /// <summary>Timers registered and not yet fired or deleted.</summary>
    public int Count => _registered.Count + _untracked;

    /// <summary>Registers a timer; false when the same one is already registered.</summary>
    public bool Add(int key, Window ns, long time)
    {
        if (!_registered.Add((key, ns.StartTicks, ns.EndTicks, time))) return false;
        Append(key, ns, time, tracked: true);
        return true;
    }

    /// <summary>
    /// Registers a timer the caller registers only once and never deletes (a window's on-time and cleanup timers),
    /// without the uniqueness index.
    /// </summary>
    public void AddOnce(int key, Window ns, long time)
    {
        _untracked++;
        Append(key, ns, time, tracked: false);
    }

    private void Append(int key, Window ns, long time, bool tracked)
    {
        if (!_byTime.TryGetValue(time, out var list))
        {
            list = _spare.Count > 0 ? _spare.Pop() : [];
            _byTime.Add(time, list);
            _times.Enqueue(time, time);
        }

        list.Add((key, ns.StartTicks, ns.EndTicks, tracked));
    }

    /// <summary>Deletes a timer; false when it was not registered.</summary>
    public bool Remove(int key, Window ns, long time) => _registered.Remove((key, ns.StartTicks, ns.EndTicks, time));

    /// <summary>Whether a timer is registered.</summary>
    public bool Contains(int key, Window ns, long time) => _registered.Contains((key, ns.StartTicks, ns.EndTicks, time));

    /// <summary>Takes the next timer due at or before <paramref name="time"/>, if any.</summary>
    public bool TryPopDue(long time, out KeyedTimer timer)
    {
        while (true)
        {
            if (_firing is not null)
            {
                while (_firingAt < _firing.Count)
                {
                    var (key, start, end, tracked) = _firing[_firingAt++];
                    if (tracked ? _registered.Remove((key, start, end, _firingTime)) : _untracked-- > 0)
                    {
                        timer = new KeyedTimer(key, new Window(start, end), _firingTime);
                        return true;
                    }
                }

                _firing.Clear();
                _spare.Push(_firing);
                _firing = null;
            }

            if (!_times.TryPeek(out long next, out _) || next > time)
            {
                timer = default;
                return false;
            }

            _times.Dequeue();
            _firingTime = next;
            _firingAt = 0;
            _byTime.Remove(next, out _firing);
        }
    }

    /// <summary>The earliest registered time, or <see cref="long.MaxValue"/> when none (deleted timers may make it early).</summary>
    public long NextTime => _firing is not null && _firingAt < _firing.Count ? _firingTime : _times.TryPeek(out long next, out _) ? next : long.MaxValue;

    /// <summary>Every registered timer, in no particular order.</summary>
    public IEnumerable<KeyedTimer> Pending()
    {
        foreach (var (key, start, end, time) in _registered) yield return new KeyedTimer(key, new Window(start, end), time);
        if (_untracked == 0) yield break;
        if (_firing is not null)
        {
            for (int i = _firingAt; i < _firing.Count; i++)
            {
                if (!_firing[i].Tracked) yield return new KeyedTimer(_firing[i].Key, new Window(_firing[i].Start, _firing[i].End), _firingTime);
            }
        }

        foreach (var (time, list) in _byTime)
        {
            foreach (var (key, start, end, tracked) in list)
            {
                if (!tracked) yield return new KeyedTimer(key, new Window(start, end), time);
            }
        }
    }
}
