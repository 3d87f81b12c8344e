using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pipelines.Runtime;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over non-merging windows (tumbling, sliding, global).
/// </summary>
/// <remarks>
/// State layout, chosen for the per-element path: a hash table maps each key to a small integer; each key
/// heads a doubly linked list of its open windows sorted by start, newest first (one for in-order tumbling
/// input under the streaming executor, size/slide for sliding), so an element costs one hash lookup on the key
/// and a compare or two, and closing a window unlinks it in constant time. Input disordered across many windows
/// of one key switches lookups to a hash index of all open windows. Windows live in one array of slots reused
/// through a free list, with their accumulators in a parallel array (what an in-order element touches: 24
/// bytes for a count, so the open windows of a thousand keys stay in the first-level cache). Timers are grouped by fire time (every key's window with the same end fires from one
/// list), so a watermark touches only the windows that are due, never every key. Lists keep creation order,
/// which gives the bounded executor its documented output order: by window end, then first element.
/// </remarks>
internal sealed class WindowAggregate<TIn, TKey, TAcc, TOut> : StageOperator
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;
    private readonly WindowAssigner _assigner;
    private readonly TumblingWindows? _tumbling;
    private readonly PaneEmitter<TIn, TKey, TAcc, TOut> _panes;
    private readonly OperatorContext _context;
    private readonly Window[] _assigned;

    private const int MaxDenseKey = 1 << 20;
    private readonly Dictionary<TKey, int> _keyIndex = new();
    private int[] _denseKeys = [];
    private KeyEntry[] _keys = new KeyEntry[16];
    private int _keyCount;
    private readonly Stack<int> _freeKeys = new();

    private Slot[] _slots = new Slot[16];

    /// <summary>The accumulators and pane bookkeeping of the slots, apart from the list links: all an in-order element touches, densely packed.</summary>
    private WindowSlot<TAcc>[] _states = new WindowSlot<TAcc>[16];
    private int _slotCount;
    private readonly Stack<int> _freeSlots = new();

    private readonly Dictionary<long, List<(int Slot, int Generation)>> _due = new();
    private readonly PriorityQueue<long, long> _dueTimes = new();
    private readonly Stack<List<(int Slot, int Generation)>> _spareLists = new();

    private const int IndexAfterSteps = 8;
    private Dictionary<(int Key, long Start, long End), int>? _index;

    private long _lastStart = long.MaxValue;

    /// <summary>Index of the element of the current batch being processed: where a user function threw.</summary>
    private int _at;

    /// <summary>The key (and its index) of the element <see cref="TumblingRun"/> stopped at, when set.</summary>
    private bool _missKeyed;
    private TKey? _missKey;
    private int _missIndex;
    private long _lastEnd = long.MinValue;
    private long _watermark = Time.EventTime.MinWatermark;
    private long _nextEarly = long.MinValue;
    private long _maxCleanup = Time.EventTime.MinWatermark;

    public WindowAggregate(Func<TIn, TKey> keyOf, WindowAssigner assigner, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
    {
        _keyOf = keyOf;
        _assigner = assigner;
        _tumbling = assigner as TumblingWindows;
        _panes = panes;
        _context = context;
        _assigned = new Window[assigner.MaxWindowsPerElement];
    }

    public override TimeSpan? ProcessingTimeInterval => _panes.EarlyInterval;

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<TIn>)batch;
        TIn[] values = b.Values;
        long[] stamps = b.Timestamps;
        int count = b.Count, i = 0;
        while (i < count)
        {
            try
            {
                if (_tumbling is not null) ProcessTumbling(values, stamps, i, count);
                else Process(values, stamps, i, count);
                i = count;
            }
            catch (Exception ex)
            {
                i = _at;
                _context.Errors.Handle(ex, values[i], stamps[i]);
                i++;
            }
        }

        _panes.Flush();
    }

    /// <summary>
    /// Elements <paramref name="from"/> to <paramref name="count"/> of a batch. The loops have no exception handler
    /// (so their counters stay in registers); a failing element is found through <see cref="_at"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Process(TIn[] values, long[] stamps, int from, int count)
    {
        for (int i = from; i < count; i++)
        {
            _at = i;
            Process(values[i], stamps[i]);
        }
    }

    /// <summary>
    /// The per-element path of tumbling windows: an element of the current window whose key's newest window is
    /// that window (in-order input) only updates the accumulator; the key's entry holds its newest window's start,
    /// so the decision needs no window state. A window still in state is never expired (state is dropped at
    /// cleanup time), so no lateness check is needed here. Everything else (a new window or key, late panes, early
    /// triggers) goes through <see cref="Process(int, TKey, TIn, long)"/>.
    /// </summary>
    private void ProcessTumbling(TIn[] values, long[] stamps, int from, int count)
    {
        int i = from;
        while (i < count)
        {
            i = _panes.QuietAdds ? TumblingRun(values, stamps, i, count) : i;
            if (i == count) break;

            // An element the in-order loop does not handle (or every element, with an early count trigger).
            _at = i;
            if (_missKeyed)
            {
                _missKeyed = false;
                TKey key = _missKey!;
                _missKey = default;
                Process(_missIndex, key, values[i], stamps[i]);
            }
            else
            {
                Process(values[i], stamps[i]);
            }

            i++;
        }
    }

    /// <summary>
    /// The in-order loop of tumbling windows: from <paramref name="from"/> on, adds each element whose window is the
    /// current one and is its key's newest, still open window, and returns the index of the first element that
    /// needs more (a new window or key, a late element): its key is left in <see cref="_missKey"/>, so the key
    /// selector runs once per element. The key's entry holds its newest window's start, so the decision needs no
    /// window state; a window still in state is never expired (state is dropped at cleanup time), so no lateness
    /// check is needed. The loop calls nothing but the user's functions, so its state stays in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int TumblingRun(TIn[] values, long[] stamps, int from, int count)
    {
        var keyOf = _keyOf;
        var panes = _panes;
        bool counting = typeof(TAcc) == typeof(long) && panes.Counting;
        int[] dense = _denseKeys;
        KeyEntry[] keys = _keys;
        WindowSlot<TAcc>[] states = _states;
        long lastStart = _lastStart, lastEnd = _lastEnd;
        for (int i = from; i < count; i++)
        {
            _at = i;
            ref TIn value = ref values[i];
            long timestamp = stamps[i];
            TKey key = Keys.NotNull(keyOf(value));
            int k = -1;
            if (typeof(TKey) == typeof(int))
            {
                int id = Unsafe.As<TKey, int>(ref key);
                if ((uint)id < (uint)dense.Length) k = dense[id] - 1;
            }

            if (k < 0) k = IndexOfKnown(key);

            if (k >= 0)
            {
                ref var entry = ref keys[k];
                if (entry.HeadStart == lastStart && timestamp >= lastStart && timestamp < lastEnd && entry.Head >= 0)
                {
                    ref var state = ref states[entry.Head];
                    if (state.Open)
                    {
                        if (counting) Unsafe.As<TAcc, long>(ref state.Accumulator)++;
                        else panes.Add(ref state, in value, timestamp);
                        state.AddedWhileOpen();
                        continue;
                    }
                }
            }

            _missKeyed = true;
            _missKey = key;
            _missIndex = k >= 0 ? k : KeyIndexOfSlow(key);
            return i;
        }

        return count;
    }

    private void Process(TIn value, long timestamp)
    {
        TKey key = Keys.NotNull(_keyOf(value));
        Process(KeyIndexOf(key), key, value, timestamp);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Process(int k, TKey key, TIn value, long timestamp)
    {
        bool accepted;
        try
        {
            if (_tumbling is { } tumbling)
            {
                // Consecutive elements mostly share a window: reuse the last one instead of dividing again.
                if (timestamp < _lastStart || timestamp >= _lastEnd)
                {
                    _lastStart = Time.EventTime.FloorToBoundary(timestamp, tumbling.Size, tumbling.Offset);
                    _lastEnd = Time.EventTime.SaturatingAdd(_lastStart, tumbling.Size);
                }

                // Fast path: the key's newest window is this one (in-order input).
                int head = _keys[k].Head;
                if (head >= 0 && _slots[head].Start == _lastStart)
                {
                    _panes.Accumulate(ref _states[head], value, timestamp);
                    _panes.AfterElement(_keys[k].Key, _lastStart, _lastEnd, ref _states[head]);
                    return;
                }

                accepted = AddToWindow(k, _lastStart, _lastEnd, value, timestamp);
            }
            else
            {
                accepted = false;
                int n = _assigner.AssignWindows(timestamp, _assigned);
                for (int w = 0; w < n; w++) accepted |= AddToWindow(k, _assigned[w].StartTicks, _assigned[w].EndTicks, value, timestamp);
            }
        }
        catch
        {
            // A user function failed: a key this element added leaves no state behind (unless already removed
            // with the window the element had opened).
            if (_keyIndex.TryGetValue(key, out int still) && still == k && _keys[k].Head < 0) RemoveKey(k);
            throw;
        }

        if (!accepted)
        {
            if (_keys[k].Head < 0) RemoveKey(k);
            _panes.DropLate(value, timestamp);
        }
    }

    private bool AddToWindow(int k, long start, long end, TIn value, long timestamp)
    {
        if (_panes.IsExpired(end, _watermark)) return false;
        int s = Find(k, start, end, out int before);
        bool opened = s < 0;
        if (opened) s = OpenWindow(k, start, end, before);
        try
        {
            _panes.Accumulate(ref _states[s], value, timestamp);
        }
        catch when (opened)
        {
            // The element would have opened this window: when it is skipped or dead-lettered, no empty window may
            // stay behind to emit a result (or fail) for elements it never received. Its timer is skipped.
            CloseWindow(s);
            throw;
        }

        _panes.AfterElement(_keys[k].Key, start, end, ref _states[s]);
        return true;
    }

    /// <summary>
    /// The key's window [start, end), or −1 with <paramref name="before"/> = the slot the new window goes after
    /// (−1: at the head). Lists are sorted by start, newest first, so in-order input stops at the head; after a
    /// few steps the lookup goes through <see cref="_index"/>, built the first time a key has many open windows
    /// (heavily disordered input under the bounded executor).
    /// </summary>
    private int Find(int k, long start, long end, out int before)
    {
        before = -1;
        int s = _keys[k].Head;
        for (int steps = 0; s >= 0 && _slots[s].Start > start; steps++)
        {
            if (steps == IndexAfterSteps) return FindIndexed(k, start, end, out before);
            before = s;
            s = _slots[s].Next;
        }

        return s >= 0 && _slots[s].Start == start && _slots[s].End == end ? s : -1;
    }

    private int FindIndexed(int k, long start, long end, out int before)
    {
        if (_index is null)
        {
            _index = new Dictionary<(int, long, long), int>();
            for (int i = 0; i < _slotCount; i++)
            {
                if (_slots[i].InUse) _index.Add((_slots[i].Key, _slots[i].Start, _slots[i].End), i);
            }
        }

        if (_index.TryGetValue((k, start, end), out int found))
        {
            before = -1;
            return found;
        }

        // Not open yet: find its place in the sorted list (rare: a new window far behind the newest).
        before = -1;
        for (int s = _keys[k].Head; s >= 0 && _slots[s].Start > start; s = _slots[s].Next) before = s;
        return -1;
    }

    private int OpenWindow(int k, long start, long end, int before)
    {
        TAcc accumulator = _panes.Aggregator.CreateAccumulator();
        int s;
        if (_freeSlots.Count > 0)
        {
            s = _freeSlots.Pop();
        }
        else
        {
            if (_slotCount == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
                Array.Resize(ref _states, _slots.Length);
            }

            s = _slotCount++;
        }

        ref var slot = ref _slots[s];
        slot.Start = start;
        slot.End = end;
        slot.Key = k;
        slot.InUse = true;
        _states[s] = new WindowSlot<TAcc> { Accumulator = accumulator };
        slot.Previous = before;
        if (before >= 0)
        {
            slot.Next = _slots[before].Next;
            _slots[before].Next = s;
        }
        else
        {
            slot.Next = _keys[k].Head;
            _keys[k].Head = s;
            _keys[k].HeadStart = start;
        }

        if (slot.Next >= 0) _slots[slot.Next].Previous = s;
        _index?.Add((k, start, end), s);
        _maxCleanup = Math.Max(_maxCleanup, _panes.CleanupTime(end));

        if (end - 1 > _watermark)
        {
            Schedule(s, end - 1);
        }
        else
        {
            // Its on-time moment has passed but it is within the allowed lateness: late panes only.
            _states[s].FiredOnTime = true;
            Schedule(s, _panes.CleanupTime(end));
        }

        return s;
    }

    private void Schedule(int s, long time)
    {
        if (!_due.TryGetValue(time, out var list))
        {
            list = _spareLists.Count > 0 ? _spareLists.Pop() : [];
            _due.Add(time, list);
            _dueTimes.Enqueue(time, time);
        }

        list.Add((s, _slots[s].Generation));
    }

    public override void OnWatermark(long watermark)
    {
        _watermark = watermark;
        while (_dueTimes.TryPeek(out long time, out _) && time <= watermark)
        {
            _dueTimes.Dequeue();
            var list = _due[time];
            _due.Remove(time);
            foreach (var (s, generation) in list)
            {
                ref var slot = ref _slots[s];
                if (!slot.InUse || slot.Generation != generation) continue;
                bool fired = false;
                ref var state = ref _states[s];
                if (!state.FiredOnTime)
                {
                    _panes.Emit(_keys[slot.Key].Key, slot.Start, slot.End, ref state, PaneTiming.OnTime);
                    state.FiredOnTime = true;
                    fired = true;
                }

                long cleanup = _panes.CleanupTime(slot.End);
                if (cleanup <= watermark) CloseWindow(s);
                else if (fired) Schedule(s, cleanup);
            }

            list.Clear();
            _spareLists.Push(list);
        }

        ReleaseBarriers(watermark);
        _panes.Watermark(watermark);
    }

    private void CloseWindow(int s)
    {
        ref var slot = ref _slots[s];
        int k = slot.Key;
        if (slot.Previous >= 0) _slots[slot.Previous].Next = slot.Next;
        else SetHead(k, slot.Next);
        if (slot.Next >= 0) _slots[slot.Next].Previous = slot.Previous;
        _index?.Remove((k, slot.Start, slot.End));
        slot.InUse = false;
        slot.Generation++;
        _states[s] = default;
        _freeSlots.Push(s);
        if (_keys[k].Head < 0) RemoveKey(k);
    }

    private void SetHead(int k, int s)
    {
        _keys[k].Head = s;
        _keys[k].HeadStart = s >= 0 ? _slots[s].Start : long.MaxValue;
    }

    private int AddKey(TKey key)
    {
        int k;
        if (_freeKeys.Count > 0)
        {
            k = _freeKeys.Pop();
        }
        else
        {
            if (_keyCount == _keys.Length) Array.Resize(ref _keys, _keys.Length * 2);
            k = _keyCount++;
        }

        _keys[k] = new KeyEntry { Key = key, Head = -1, HeadStart = long.MaxValue };
        return k;
    }

    /// <summary>
    /// The key's index. Small non-negative integer keys (ids) are looked up in an array, other keys in a hash table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int KeyIndexOf(TKey key)
    {
        if (typeof(TKey) == typeof(int))
        {
            int id = Unsafe.As<TKey, int>(ref key);
            int[] dense = _denseKeys;
            if ((uint)id < (uint)dense.Length && dense[id] != 0) return dense[id] - 1;
        }

        return KeyIndexOfSlow(key);
    }

    /// <summary>The index of a key already in state, or −1 (a call, so the loop that asks keeps its registers).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int IndexOfKnown(TKey key) => _keyIndex.TryGetValue(key, out int k) ? k : -1;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int KeyIndexOfSlow(TKey key)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_keyIndex, key, out bool known);
        if (!known) slot = AddKey(key);
        int k = slot;
        if (typeof(TKey) == typeof(int))
        {
            int id = Unsafe.As<TKey, int>(ref key);
            if (id >= 0 && id < MaxDenseKey)
            {
                if (id >= _denseKeys.Length) Array.Resize(ref _denseKeys, Math.Min(MaxDenseKey, Math.Max(id + 1, _denseKeys.Length * 2)));
                _denseKeys[id] = k + 1;
            }
        }

        return k;
    }

    private void RemoveKey(int k)
    {
        if (typeof(TKey) == typeof(int))
        {
            int id = Unsafe.As<TKey, int>(ref _keys[k].Key);
            if ((uint)id < (uint)_denseKeys.Length) _denseKeys[id] = 0;
        }

        _keyIndex.Remove(_keys[k].Key);
        _keys[k] = new KeyEntry { Head = -1, HeadStart = long.MaxValue };
        _freeKeys.Push(k);
    }

    public override void OnProcessingTime(long utcTicks)
    {
        _panes.Output.ProcessingTime(utcTicks);
        if (_panes.EarlyInterval is not { } interval || utcTicks < _nextEarly) return;
        _nextEarly = utcTicks + interval.Ticks;
        for (int s = 0; s < _slotCount; s++)
        {
            ref var slot = ref _slots[s];
            ref var state = ref _states[s];
            if (slot.InUse && state.SinceLastPane > 0 && !state.FiredOnTime)
            {
                _panes.Emit(_keys[slot.Key].Key, slot.Start, slot.End, ref state, PaneTiming.Early);
            }
        }

        _panes.Flush();
    }

    public override void OnIdle() => _panes.Idle();

    public override void OnEnd() => _panes.End();

    /// <summary>Every open window is dropped by its cleanup time, and the latest of those is the last to go.</summary>
    protected override long StateHorizon => _maxCleanup;

    protected override long BarrierWatermark => _watermark;

    protected override void PassBarrier(long checkpoint) => _panes.Barrier(checkpoint);

    private struct KeyEntry
    {
        public TKey Key;

        /// <summary>First open window of the key, or −1.</summary>
        public int Head;

        /// <summary>Start of the window at <see cref="Head"/> (<see cref="long.MaxValue"/> when none), so the per-element path decides without touching window state.</summary>
        public long HeadStart;
    }

    /// <summary>A window's place in its key's list and in time; its accumulator is in <see cref="_states"/> at the same index.</summary>
    private struct Slot
    {
        public long Start;
        public long End;
        public int Key;
        public int Next;
        public int Previous;
        public int Generation;
        public bool InUse;
    }
}
