using System.Runtime.CompilerServices;

namespace Pipelines.State;

/// <summary>
/// Keyed state of one kind: a value of <typeparamref name="TValue"/> per (key, namespace), where a namespace is a
/// window (<see cref="Namespaces.Global"/> for state that belongs to the key alone).
/// </summary>
/// <remarks>
/// Layout, chosen for the per-element path of window operators: each key heads a doubly linked list of its
/// entries sorted by namespace, newest (largest start, then largest end) first — one entry for in-order tumbling
/// windows, size/slide for sliding ones — so finding an element's entry costs a compare or two and removing one
/// is constant time. A walk along a list ends at the key's tail (<see cref="KeyHead.Tail"/>), whose own link to a
/// next entry is left stale: removing a key's oldest entry — what window timers do, oldest first — then writes no
/// other entry. (When a key holds many windows, as a bounded run's keys do until their input ends, the newer
/// neighbour is a cache line far from every other one being touched; writing its link cost a cache miss per window
/// fired.) After <see cref="IndexAfterSteps"/> steps along a list (input disordered across many windows of a key)
/// lookups switch to a hash index of every entry. Values live in an array parallel to the links, so
/// what an in-order element touches is densely packed. Entries are reused through a free list; each holds a
/// reference on its key in the <see cref="KeyTable{TKey}"/>.
/// </remarks>
internal sealed partial class StateTable<TKey, TValue> : IStateTable<TKey>
    where TKey : notnull
{
    private const int IndexAfterSteps = 8;

    private readonly KeyTable<TKey> _keys;

    /// <summary>Every entry is in <see cref="Namespaces.Global"/> (state of a key alone): a key's entry is its head, found without reading the entry.</summary>
    private readonly bool _keyOnly;
    private Entry[] _entries = new Entry[16];
    private TValue[] _values = new TValue[16];
    private KeyHead[] _heads = [];
    private int _entryCount;
    private int _live;

    /// <summary>The first free entry (−1: none); free entries are chained through <see cref="Entry.Next"/>, so freeing one allocates nothing.</summary>
    private int _free = -1;
    private Dictionary<(int Key, long Start, long End), int>? _index;

    /// <param name="name">The table's name, unique within its operator.</param>
    /// <param name="keys">The keys the entries belong to.</param>
    /// <param name="keyOnly">Whether every entry is in <see cref="Namespaces.Global"/>: one per key, found from the key alone.</param>
    public StateTable(string name, KeyTable<TKey> keys, bool keyOnly = false)
    {
        Name = name;
        _keys = keys;
        _keyOnly = keyOnly;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Entries in use.</summary>
    public int Count => _live;

    /// <summary>The values by entry; valid for entries in use. The array is replaced when the table grows.</summary>
    public TValue[] Values => _values;

    /// <summary>The first entry of each key id (newest namespace) and that namespace's start, for loops that decide without touching entries. Replaced when it grows.</summary>
    public KeyHead[] Heads => _heads;

    /// <summary>The value of entry <paramref name="entry"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue Value(int entry) => ref _values[entry];

    /// <summary>The namespace of entry <paramref name="entry"/>.</summary>
    public Window NamespaceOf(int entry) => new(_entries[entry].Start, _entries[entry].End);

    /// <summary>The key id of entry <paramref name="entry"/>.</summary>
    public int KeyOf(int entry) => _entries[entry].Key;

    /// <summary>Whether entry <paramref name="entry"/> is in use.</summary>
    public bool InUse(int entry) => (uint)entry < (uint)_entryCount && _entries[entry].InUse;

    /// <summary>The first (newest) entry of key <paramref name="key"/>, or −1.</summary>
    public int First(int key) => key < _heads.Length ? _heads[key].Entry : -1;

    /// <summary>The entry after <paramref name="entry"/> in its key's list (older namespace), or −1.</summary>
    public int Next(int entry)
    {
        ref var slot = ref _entries[entry];
        return _heads[slot.Key].Tail == entry ? -1 : slot.Next;
    }

    /// <summary>The last (oldest) entry of key <paramref name="key"/>, or −1.</summary>
    public int Last(int key) => key < _heads.Length ? _heads[key].Tail : -1;

    /// <summary>The entry before <paramref name="entry"/> in its key's list (newer namespace), or −1.</summary>
    public int Previous(int entry) => _entries[entry].Previous;

    /// <summary>The entry of (<paramref name="key"/>, <paramref name="ns"/>), or −1.</summary>
    public int Find(int key, Window ns)
    {
        if (_keyOnly) return ns == Namespaces.Global && key < _heads.Length ? _heads[key].Entry : -1;

        // Timers fire oldest first, so the entry asked for is often the key's oldest: check it before walking.
        if (key < _heads.Length && _heads[key].Tail is int tail and >= 0 && _entries[tail].Start == ns.StartTicks && _entries[tail].End == ns.EndTicks) return tail;
        return Find(key, ns.StartTicks, ns.EndTicks, out _);
    }

    /// <summary>The entry of (<paramref name="key"/>, [<paramref name="start"/>, <paramref name="end"/>)), added with a default value when missing.</summary>
    public int GetOrAdd(int key, long start, long end, out bool added)
    {
        if (_keyOnly)
        {
            int entry = KeyOnlyEntry(key, start, end);
            added = entry < 0;
            return added ? Add(key, start, end, -1) : entry;
        }

        int e = Find(key, start, end, out int before);
        added = e < 0;
        return added ? Add(key, start, end, before) : e;
    }

    /// <summary>The entry of (<paramref name="key"/>, <paramref name="ns"/>), added with a default value when missing.</summary>
    public int GetOrAdd(int key, Window ns, out bool added) => GetOrAdd(key, ns.StartTicks, ns.EndTicks, out added);

    /// <summary>
    /// The entry of (<paramref name="key"/>, [<paramref name="start"/>, <paramref name="end"/>)), added with a default
    /// value when missing, looked for from <paramref name="after"/> on: an entry of the key that sorts before
    /// (is newer than) the namespace, or −1 to start at the key's newest. For the windows of one element taken
    /// newest first, passing the previous window's entry makes them one walk along the key's list instead of one
    /// walk each.
    /// </summary>
    public int GetOrAddAfter(int key, long start, long end, int after, out bool added)
    {
        int e = Find(key, start, end, after, out int before);
        added = e < 0;
        return added ? Add(key, start, end, before) : e;
    }

    private int Find(int key, long start, long end, out int before) => Find(key, start, end, -1, out before);

    /// <summary>The entry of a key in a table of state of keys alone, to add to: its head; the namespace must be <see cref="Namespaces.Global"/>.</summary>
    private int KeyOnlyEntry(int key, long start, long end)
    {
        if (start != Namespaces.Global.StartTicks || end != Namespaces.Global.EndTicks)
        {
            throw new InvalidOperationException($"State table '{Name}' holds state of keys alone; it has no namespace [{start}, {end}).");
        }

        return key < _heads.Length ? _heads[key].Entry : -1;
    }

    private int Find(int key, long start, long end, int after, out int before)
    {
        before = after;
        if (key >= _heads.Length) return -1;
        int tail = _heads[key].Tail;
        int e = after >= 0 ? (after == tail ? -1 : _entries[after].Next) : _heads[key].Entry;
        for (int steps = 0; e >= 0 && After(in _entries[e], start, end); steps++)
        {
            if (steps == IndexAfterSteps) return FindIndexed(key, start, end, out before);
            before = e;
            e = e == tail ? -1 : _entries[e].Next;
        }

        return e >= 0 && _entries[e].Start == start && _entries[e].End == end ? e : -1;
    }

    /// <summary>Whether the entry sorts before (newer than) the namespace [start, end).</summary>
    private static bool After(in Entry entry, long start, long end) => entry.Start > start || (entry.Start == start && entry.End > end);

    private int FindIndexed(int key, long start, long end, out int before)
    {
        if (_index is null)
        {
            _index = new Dictionary<(int, long, long), int>();
            for (int i = 0; i < _entryCount; i++)
            {
                if (_entries[i].InUse) _index.Add((_entries[i].Key, _entries[i].Start, _entries[i].End), i);
            }
        }

        before = -1;
        if (_index.TryGetValue((key, start, end), out int found)) return found;

        // Not there yet: find its place in the sorted list (rare: a namespace far behind the key's newest).
        for (int e = First(key); e >= 0 && After(in _entries[e], start, end); e = Next(e)) before = e;
        return -1;
    }

    private int Add(int key, long start, long end, int before)
    {
        int e;
        if (_free >= 0)
        {
            e = _free;
            _free = _entries[e].Next;
        }
        else
        {
            if (_entryCount == _entries.Length)
            {
                StateArrays.Resize(ref _entries, _entries.Length * 2);
                StateArrays.Resize(ref _values, _entries.Length);
            }

            e = _entryCount++;
        }

        if (key >= _heads.Length) GrowHeads(key);
        ref var entry = ref _entries[e];
        entry.Start = start;
        entry.End = end;
        entry.Key = key;
        entry.InUse = true;
        entry.Previous = before;
        _values[e] = default!;
        if (before >= 0)
        {
            entry.Next = before == _heads[key].Tail ? -1 : _entries[before].Next;
            _entries[before].Next = e;
        }
        else
        {
            entry.Next = _heads[key].Entry;
            _heads[key] = new KeyHead(e, start, _heads[key].Tail);
        }

        if (entry.Next >= 0) _entries[entry.Next].Previous = e;
        else _heads[key] = _heads[key] with { Tail = e };
        _index?.Add((key, start, end), e);
        _keys.AddReference(key);
        _live++;
        return e;
    }

    private void GrowHeads(int key)
    {
        int old = _heads.Length;
        StateArrays.Resize(ref _heads, Math.Max(key + 1, Math.Max(16, old * 2)));
        _heads.AsSpan(old).Fill(new KeyHead(-1, long.MaxValue, -1));
    }

    /// <summary>Removes entry <paramref name="entry"/> (its value is cleared) and releases its key.</summary>
    public void Remove(int entry)
    {
        ref var slot = ref _entries[entry];
        int key = slot.Key;
        if (_heads[key].Tail == entry)
        {
            // The key's oldest entry (the one timers remove): its newer neighbour becomes the tail without being written.
            if (slot.Previous < 0) _heads[key] = new KeyHead(-1, long.MaxValue, -1);
            else _heads[key] = _heads[key] with { Tail = slot.Previous };
        }
        else
        {
            if (slot.Previous >= 0)
            {
                _entries[slot.Previous].Next = slot.Next;
            }
            else
            {
                int next = slot.Next;
                _heads[key] = new KeyHead(next, _entries[next].Start, _heads[key].Tail);
            }

            _entries[slot.Next].Previous = slot.Previous;
        }
        _index?.Remove((key, slot.Start, slot.End));
        slot.InUse = false;
        _values[entry] = default!;
        slot.Next = _free;
        _free = entry;
        _live--;
        _keys.Release(key);
    }

    /// <inheritdoc />
    public bool Remove(int key, Window ns)
    {
        int e = Find(key, ns);
        if (e < 0) return false;
        Remove(e);
        return true;
    }

    /// <inheritdoc />
    public void ReleaseArrays()
    {
        StateArrays.Return(_entries);
        StateArrays.Return(_values);
        StateArrays.Return(_heads);
        _entries = new Entry[16];
        _values = new TValue[16];
        _heads = [];
        _entryCount = 0;
        _live = 0;
        _free = -1;
        _index = null;
    }

    /// <summary>Every entry in use, in entry order.</summary>
    public IEnumerable<int> EntryIndexes()
    {
        for (int i = 0; i < _entryCount; i++)
        {
            if (_entries[i].InUse) yield return i;
        }
    }

    /// <inheritdoc />
    public IEnumerable<StateEntry<TKey>> Entries()
    {
        for (int i = 0; i < _entryCount; i++)
        {
            if (_entries[i].InUse) yield return new StateEntry<TKey>(Name, _keys[_entries[i].Key], NamespaceOf(i), _values[i]);
        }
    }

    /// <summary>A key's newest entry and its namespace's start, and its oldest entry (−1, <see cref="long.MaxValue"/> and −1 when none).</summary>
    internal readonly record struct KeyHead(int Entry, long Start, int Tail)
    {
        // Declared start first so the struct packs into 16 bytes.
        public long Start { get; init; } = Start;

        public int Entry { get; init; } = Entry;

        public int Tail { get; init; } = Tail;
    }

    private struct Entry
    {
        public long Start;
        public long End;
        public int Key;
        public int Next;
        public int Previous;
        public bool InUse;
    }
}
