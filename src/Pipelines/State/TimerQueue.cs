using System.Runtime.InteropServices;

namespace Pipelines.State;

/// <summary>
/// The timers of one time domain. Timers are unique per (key, namespace, time): registering one again does
/// nothing. They fire in time order and, at one time, in registration order, which makes the bounded executor's
/// output order deterministic. Timers are grouped by time (every key's window ending at the same moment fires
/// from one list), so advancing time touches only the timers that are due. A deleted timer leaves its list entry
/// behind, skipped when its time comes. Timers added with <see cref="AddOnce"/> skip the uniqueness index (the
/// caller guarantees uniqueness and never deletes them): the cheap path for a window's own timers.
/// </summary>
/// <remarks>
/// At the end of input (the +∞ watermark, or the clock run on at the end) every timer is due at once: then the
/// times are sorted in one go and walked in order (timers registered while they fire still go through the heap and
/// are merged in), instead of one heap removal per time, which for many distinct times (a timer per key at a
/// per-element time, as process functions register) cost a cache miss per level of a heap that no longer fits in the cache.
/// </remarks>
internal sealed partial class TimerQueue
{
    /// <summary>The timers due at one time: the first inline (most times have one timer), the rest in a list.</summary>
    private struct Bucket
    {
        public Entry First;
        public List<Entry>? Rest;
    }

    private readonly record struct Entry(int Key, long Start, long End, bool Tracked);

    /// <summary>Times with at least this many buckets are drained by sorting them rather than one heap removal each.</summary>
    private const int SortedDrainFrom = 64;

    private readonly Dictionary<long, Bucket> _byTime = new();
    private readonly PriorityQueue<long, long> _times = new();
    private readonly HashSet<TimerId> _registered = [];
    private long[]? _sorted;
    private int _sortedAt;
    private readonly Stack<List<Entry>> _spare = new();
    private Bucket _firing;
    private bool _hasFiring;
    private long _firingTime;
    private int _firingAt;
    private int _untracked;

    /// <summary>Timers registered and not yet fired or deleted.</summary>
    public int Count => _registered.Count + _untracked;

    /// <summary>Registers a timer; false when the same one is already registered.</summary>
    public bool Add(int key, Window ns, long time)
    {
        if (!_registered.Add(new TimerId(key, ns.StartTicks, ns.EndTicks, time))) return false;
        Append(new Entry(key, ns.StartTicks, ns.EndTicks, Tracked: true), time);
        return true;
    }

    /// <summary>
    /// Registers a timer the caller registers only once and never deletes (a window's on-time and cleanup timers),
    /// without the uniqueness index.
    /// </summary>
    public void AddOnce(int key, Window ns, long time)
    {
        _untracked++;
        Append(new Entry(key, ns.StartTicks, ns.EndTicks, Tracked: false), time);
    }

    private void Append(Entry entry, long time)
    {
        ref Bucket bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(_byTime, time, out bool exists);
        if (!exists)
        {
            bucket.First = entry;
            _times.Enqueue(time, time);
            return;
        }

        (bucket.Rest ??= _spare.Count > 0 ? _spare.Pop() : []).Add(entry);
    }

    /// <summary>Deletes a timer; false when it was not registered.</summary>
    public bool Remove(int key, Window ns, long time) => _registered.Remove(new TimerId(key, ns.StartTicks, ns.EndTicks, time));

    /// <summary>Whether a timer is registered.</summary>
    public bool Contains(int key, Window ns, long time) => _registered.Contains(new TimerId(key, ns.StartTicks, ns.EndTicks, time));

    /// <summary>Takes the next timer due at or before <paramref name="time"/>, if any.</summary>
    public bool TryPopDue(long time, out KeyedTimer timer)
    {
        while (true)
        {
            if (_hasFiring)
            {
                int count = 1 + (_firing.Rest?.Count ?? 0);
                while (_firingAt < count)
                {
                    var entry = _firingAt == 0 ? _firing.First : _firing.Rest![_firingAt - 1];
                    _firingAt++;
                    if (entry.Tracked ? _registered.Remove(new TimerId(entry.Key, entry.Start, entry.End, _firingTime)) : _untracked-- > 0)
                    {
                        timer = new KeyedTimer(entry.Key, new Window(entry.Start, entry.End), _firingTime);
                        return true;
                    }
                }

                if (_firing.Rest is { } rest)
                {
                    rest.Clear();
                    _spare.Push(rest);
                }

                _firing = default;
                _hasFiring = false;
            }

            if (time == long.MaxValue && _sorted is null && _times.Count >= SortedDrainFrom) SortTimes();
            if (!TryTakeTime(time, out long next))
            {
                timer = default;
                return false;
            }

            _byTime.Remove(next, out _firing);
            _hasFiring = true;
            _firingTime = next;
            _firingAt = 0;
        }
    }

    /// <summary>Takes the earliest time with a bucket if it is at or before <paramref name="time"/>: from the sorted times being drained or from the heap, whichever is earlier.</summary>
    private bool TryTakeTime(long time, out long next)
    {
        bool fromHeap = _times.TryPeek(out next, out _);
        if (_sorted is { } sorted)
        {
            if (!fromHeap || sorted[_sortedAt] < next)
            {
                next = sorted[_sortedAt];
                if (next > time) return false;
                if (++_sortedAt == sorted.Length) _sorted = null;
                return true;
            }
        }

        if (!fromHeap || next > time) return false;
        _times.Dequeue();
        return true;
    }

    /// <summary>Moves every time from the heap into one sorted array, drained in order by <see cref="TryTakeTime"/>.</summary>
    private void SortTimes()
    {
        var sorted = new long[_times.Count];
        int i = 0;
        foreach (var (time, _) in _times.UnorderedItems) sorted[i++] = time;
        _times.Clear();
        Array.Sort(sorted);
        _sorted = sorted;
        _sortedAt = 0;
    }

    /// <summary>The earliest registered time, or <see cref="long.MaxValue"/> when none (deleted timers may make it early).</summary>
    public long NextTime
    {
        get
        {
            if (_hasFiring && _firingAt < 1 + (_firing.Rest?.Count ?? 0)) return _firingTime;
            long next = _times.TryPeek(out long queued, out _) ? queued : long.MaxValue;
            return _sorted is { } sorted ? Math.Min(next, sorted[_sortedAt]) : next;
        }
    }

    /// <summary>Every registered timer, in no particular order.</summary>
    public IEnumerable<KeyedTimer> Pending()
    {
        foreach (var (key, start, end, time) in _registered) yield return new KeyedTimer(key, new Window(start, end), time);
        if (_untracked == 0) yield break;
        if (_hasFiring)
        {
            int count = 1 + (_firing.Rest?.Count ?? 0);
            for (int i = _firingAt; i < count; i++)
            {
                var entry = i == 0 ? _firing.First : _firing.Rest![i - 1];
                if (!entry.Tracked) yield return new KeyedTimer(entry.Key, new Window(entry.Start, entry.End), _firingTime);
            }
        }

        foreach (var (time, bucket) in _byTime)
        {
            if (!bucket.First.Tracked) yield return new KeyedTimer(bucket.First.Key, new Window(bucket.First.Start, bucket.First.End), time);
            if (bucket.Rest is null) continue;
            foreach (var entry in bucket.Rest)
            {
                if (!entry.Tracked) yield return new KeyedTimer(entry.Key, new Window(entry.Start, entry.End), time);
            }
        }
    }

    /// <summary>
    /// A tracked timer's identity. Its own hash (a multiply-rotate mix of the four fields, seeded per process like
    /// the general tuple hash, since times come from the data) is cheaper than the general tuple hash, and the
    /// default comparer of a struct that implements <see cref="IEquatable{T}"/> is devirtualized.
    /// </summary>
    private readonly record struct TimerId(int Key, long Start, long End, long Time)
    {
        private static readonly ulong Seed = (ulong)Random.Shared.NextInt64() | 1;

        public bool Equals(TimerId other) => Time == other.Time && Key == other.Key && Start == other.Start && End == other.End;

        public override int GetHashCode()
        {
            ulong h = ((ulong)Time ^ Seed) * 0x9E3779B97F4A7C15UL;
            h = ulong.RotateLeft(h ^ (uint)Key, 23) * 0xC2B2AE3D27D4EB4FUL;
            h = ulong.RotateLeft(h ^ (ulong)Start, 29) * 0x165667B19E3779F9UL;
            h ^= (ulong)End * 0x9E3779B97F4A7C15UL;
            return (int)(h ^ (h >> 32));
        }
    }
}
