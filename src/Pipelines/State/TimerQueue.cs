namespace Pipelines.State;

/// <summary>
/// The timers of one time domain. Timers are unique per (key, namespace, time): registering one again does
/// nothing. They fire in time order and, at one time, in registration order, which makes the bounded executor's
/// output order deterministic. Timers added with <see cref="AddOnce"/> skip the uniqueness check (the caller
/// guarantees uniqueness and never deletes them): the cheap path for a window's own timers.
/// </summary>
/// <remarks>
/// <para>
/// No object per timer: a timer is a <see cref="Node"/> in one array (freed nodes are reused through a free list).
/// Timers are grouped into buckets of one time, each a list of nodes in registration order (the first node stands for
/// the bucket: no bucket objects or bucket array), and the buckets are
/// ordered by (time, creation order) in a 4-ary heap (<see cref="TimeBucketHeap"/>), so the timers of every key's
/// window ending at one moment cost one heap entry. A registration joins the newest bucket of its time when that
/// bucket has not started firing (a small direct-mapped table of the newest bucket per time answers that without a
/// hash map of times); otherwise it starts a bucket, which fires after the older ones of its time.
/// </para>
/// <para>
/// Uniqueness and deletion go through the key: each key's tracked timers are chained (doubly linked, so a fired
/// or deleted one leaves in constant time), and a key with a few timers is checked by scanning its chain; a key
/// with more than <see cref="IndexAbove"/> gets its timers indexed by (key, namespace, time) in a hash table until
/// it has none left. A deleted timer leaves its node in its bucket, skipped and freed when its time comes; one
/// registered again after deletion is a new timer, in registration order at its time.
/// </para>
/// <para>
/// At the end of input (the +∞ watermark, or the clock run on at the end) every timer is due at once: then the
/// buckets are radix-sorted in one go (<see cref="TimeBucketSort"/>) and walked in order (timers registered while
/// they fire still go through the heap and are merged in), instead of one heap removal per time, which for many
/// distinct times (a timer per key at a per-element time, as process functions register) costs a cache miss per level.
/// </para>
/// </remarks>
internal sealed partial class TimerQueue
{
    private const byte FreeNode = 0;
    private const byte TrackedNode = 1;
    private const byte OnceNode = 2;
    private const byte DeletedNode = 3;

    /// <summary>Buckets at least this many are drained at the end of input by sorting them rather than one heap removal each.</summary>
    private const int SortedDrainFrom = 64;

    /// <summary>Slots of <see cref="_newest"/> (a power of two).</summary>
    private const int NewestSlots = 64;

    /// <summary>
    /// A timer: its time, namespace and key, the next node of its bucket, and its neighbours among its key's tracked
    /// timers. The first node of a bucket is the bucket: it also holds the bucket's last node, and whether the
    /// bucket still takes registrations (not yet taken out of the time order to fire).
    /// </summary>
    private struct Node
    {
        public long Time;
        public Window Namespace;
        public int Key;

        /// <summary>The next node of the bucket (or of the free list); −1 for none.</summary>
        public int Next;

        /// <summary>For the first node of a bucket: the bucket's last node.</summary>
        public int Tail;
        public int KeyNext;
        public int KeyPrevious;
        public byte State;

        /// <summary>The first node of a bucket that still takes registrations.</summary>
        public bool OpenBucket;
    }

    private Node[] _nodes = new Node[16];
    private int _nodesUsed;
    private int _freeNodes = -1;
    private long _nextOrder;
    private readonly TimeBucketHeap _heap = new();

    /// <summary>Per slot (by a hash of the time), 1 + the first node of the newest bucket created at a time of that slot; 0 for none.</summary>
    private readonly int[] _newest = new int[NewestSlots];

    /// <summary>The buckets being drained in sorted order at the end of input, from <see cref="_sortedAt"/> to <see cref="_sortedCount"/>.</summary>
    private TimeBucket[]? _sorted;
    private int _sortedAt;
    private int _sortedCount;

    /// <summary>The next node of the bucket firing (taken out of the time order), or −1.</summary>
    private int _firingNext = -1;
    private long _firingTime;
    private int _tracked;
    private int _untracked;

    /// <summary>Timers registered and not yet fired or deleted.</summary>
    public int Count => _tracked + _untracked;

    /// <summary>Registers a timer; false when the same one is already registered.</summary>
    public bool Add(int key, Window ns, long time)
    {
        if (Find(key, ns, time) >= 0) return false;
        int node = NewNode(key, ns, time, TrackedNode);
        LinkToKey(node, key, ns, time);
        Append(node, time);
        _tracked++;
        return true;
    }

    /// <summary>
    /// Registers a timer the caller registers only once and never deletes (a window's on-time and cleanup timers),
    /// without the uniqueness check.
    /// </summary>
    public void AddOnce(int key, Window ns, long time)
    {
        int node = NewNode(key, ns, time, OnceNode);
        Append(node, time);
        _untracked++;
    }

    /// <summary>Deletes a timer; false when it was not registered.</summary>
    public bool Remove(int key, Window ns, long time)
    {
        int node = Find(key, ns, time);
        if (node < 0) return false;
        UnlinkFromKey(node);
        _nodes[node].State = DeletedNode;
        _tracked--;
        return true;
    }

    /// <summary>Whether a timer is registered.</summary>
    public bool Contains(int key, Window ns, long time) => Find(key, ns, time) >= 0;

    /// <summary>Takes the next timer due at or before <paramref name="time"/>, if any.</summary>
    public bool TryPopDue(long time, out KeyedTimer timer)
    {
        while (true)
        {
            while (_firingNext >= 0)
            {
                int n = _firingNext;
                ref var node = ref _nodes[n];
                _firingNext = node.Next;
                byte state = node.State;
                if (state != DeletedNode)
                {
                    if (state == TrackedNode)
                    {
                        UnlinkFromKey(n);
                        _tracked--;
                    }
                    else
                    {
                        _untracked--;
                    }

                    timer = new KeyedTimer(node.Key, node.Namespace, _firingTime);
                    Release(n);
                    return true;
                }

                Release(n);
            }

            if (time == long.MaxValue && _sorted is null && _heap.Count >= SortedDrainFrom) SortBuckets();
            if (!TryTakeBucket(time, out int first))
            {
                timer = default;
                return false;
            }

            ref var head = ref _nodes[first];
            head.OpenBucket = false;
            _firingNext = first;
            _firingTime = head.Time;
        }
    }

    /// <summary>The earliest registered time, or <see cref="long.MaxValue"/> when none (deleted timers may make it early).</summary>
    public long NextTime
    {
        get
        {
            if (_firingNext >= 0) return _firingTime;
            long next = _heap.TryPeek(out var first) ? first.Time : long.MaxValue;
            return _sorted is { } sorted ? Math.Min(next, sorted[_sortedAt].Time) : next;
        }
    }

    /// <summary>Every registered timer, in no particular order.</summary>
    public IEnumerable<KeyedTimer> Pending()
    {
        for (int i = 0; i < _nodesUsed; i++)
        {
            var node = _nodes[i];
            if (node.State is TrackedNode or OnceNode) yield return new KeyedTimer(node.Key, node.Namespace, node.Time);
        }
    }

    /// <summary>Adds <paramref name="node"/> at the end of the newest bucket of <paramref name="time"/>, or makes it a new bucket.</summary>
    private void Append(int node, long time)
    {
        int slot = (int)(((ulong)time * 0x9E3779B97F4A7C15UL) >> (64 - 6));
        int newest = _newest[slot] - 1;
        if (newest >= 0)
        {
            ref var first = ref _nodes[newest];
            if (first.OpenBucket && first.Time == time)
            {
                _nodes[first.Tail].Next = node;
                first.Tail = node;
                return;
            }
        }

        ref var bucket = ref _nodes[node];
        bucket.OpenBucket = true;
        bucket.Tail = node;
        _newest[slot] = node + 1;
        _heap.Add(new TimeBucket(time, _nextOrder++, node));
    }

    /// <summary>Takes the first bucket by (time, creation order) if its time is at or before <paramref name="time"/>: from the sorted buckets being drained or from the heap, whichever is first.</summary>
    private bool TryTakeBucket(long time, out int first)
    {
        bool fromHeap = _heap.TryPeek(out var top);
        if (_sorted is { } sorted)
        {
            ref readonly var next = ref sorted[_sortedAt];
            if (!fromHeap || next.Before(top))
            {
                first = next.First;
                if (next.Time > time) return false;
                if (++_sortedAt == _sortedCount)
                {
                    StateArrays.Return(sorted);
                    _sorted = null;
                }

                return true;
            }
        }

        first = top.First;
        if (!fromHeap || top.Time > time) return false;
        _heap.RemoveFirst();
        return true;
    }

    /// <summary>Moves every bucket from the heap into one sorted array, drained in order by <see cref="TryTakeBucket"/>.</summary>
    private void SortBuckets()
    {
        var items = _heap.TakeAll(out int count);
        var scratch = StateArrays.Allocate<TimeBucket>(count);
        _sorted = TimeBucketSort.Sort(items, scratch, count);
        StateArrays.Return(ReferenceEquals(_sorted, items) ? scratch : items);
        _sortedAt = 0;
        _sortedCount = count;
    }

    /// <summary>The run ended: drops every timer and gives the queue's arrays back to the pool (<see cref="StateArrays"/>), leaving it as new.</summary>
    public void ReleaseArrays()
    {
        StateArrays.Return(_nodes);
        _heap.ReleaseArrays();
        _nodes = new Node[16];
        _nextOrder = 0;
        ForgetAll();
        ReleaseKeyArrays();
    }

    /// <summary>Forgets every node (the nodes' array itself is the caller's), bucket being fired or sorted (the sorted ones' array back to the pool), and count.</summary>
    private void ForgetAll()
    {
        _nodesUsed = 0;
        _freeNodes = -1;
        Array.Clear(_newest);
        if (_sorted is { } sorted) StateArrays.Return(sorted);
        _sorted = null;
        _sortedAt = 0;
        _sortedCount = 0;
        _firingNext = -1;
        _tracked = 0;
        _untracked = 0;
    }

    private int NewNode(int key, Window ns, long time, byte state)
    {
        int n = _freeNodes;
        if (n >= 0)
        {
            _freeNodes = _nodes[n].Next;
        }
        else
        {
            if (_nodesUsed == _nodes.Length) StateArrays.Resize(ref _nodes, _nodes.Length * 2);
            n = _nodesUsed++;
        }

        ref var node = ref _nodes[n];
        node.Time = time;
        node.Namespace = ns;
        node.Key = key;
        node.Next = -1;
        node.KeyNext = -1;
        node.KeyPrevious = -1;
        node.State = state;
        node.OpenBucket = false;
        return n;
    }

    private void Release(int n)
    {
        ref var node = ref _nodes[n];
        node.State = FreeNode;
        node.OpenBucket = false;
        node.Next = _freeNodes;
        _freeNodes = n;
    }
}
