using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pipelines.State;

/// <summary>
/// The keys a stage worker holds state or timers for, each mapped to a small integer id that state tables and
/// timers use instead of the key. A key stays while anything references it (a state entry, a timer) and its id
/// is reused after the last reference goes.
/// </summary>
/// <remarks>
/// One table for every key type: open addressing with linear probing over slots that hold a key, its hash code and
/// its id side by side, so a lookup touches one slot (usually one cache line) and a probe that meets another key
/// is decided by comparing two integers; keys are compared only when the hash codes match. The lookup is small enough to be inlined into the
/// per-element loops of the operators, so the key returned by the key selector stays in registers. Without a
/// comparer, value types hash and compare with <see cref="EqualityComparer{T}.Default"/> (devirtualized and
/// inlined by the JIT); a comparer given is used for every hash and comparison (<see cref="KeyHash{TKey}"/>, the
/// hashing the edges that route keys to workers use too). Hash codes are spread with a
/// Fibonacci multiply so keys whose hash codes differ only in high bits (sparse longs, ids in strides) do not
/// cluster. Strings compared ordinally (no comparer given) are hashed as <see cref="Dictionary{TKey, TValue}"/> hashes
/// them: with a fast hash that is the same in every process until one probe sequence grows past
/// <see cref="CollisionThreshold"/> (keys chosen to collide), then with the randomized <see cref="string.GetHashCode()"/>
/// for good. A removed key's slot is refilled by shifting its successors back (no tombstones), so probe
/// sequences stay as short after windows close and keys come and go as they were when the keys were new.
/// Small non-negative <see cref="int"/> keys (ids, partitions, enum values) are also indexed by an array, which
/// answers before the slots are probed (with the default comparer only).
/// </remarks>
internal sealed class KeyTable<TKey>
    where TKey : notnull
{
    private const int MinSlots = 16;

    /// <summary>Largest <see cref="int"/> key (exclusive) that <see cref="_dense"/> may index.</summary>
    private const int MaxDenseKey = 1 << 20;

    /// <summary>Probes past which an insert switches ordinal strings from the fast hash to the randomized one.</summary>
    internal const int CollisionThreshold = 100;

    /// <summary>The table's hashing (<see cref="KeyHash{TKey}"/>): ordinal strings hashed fast until collisions pile up, then randomized.</summary>
    private KeyHash<TKey> _hash;

    /// <summary>The hashing the table starts with, and starts with again after <see cref="ReleaseArrays"/>.</summary>
    private readonly KeyHash<TKey> _initialHash;
    private Slot[] _slots = new Slot[MinSlots];
    private int _shift = 32 - 4;
    private TKey[] _keys = new TKey[8];

    /// <summary>The hash code of each id's key, as in its slot: removing a key finds its slot without hashing the key again (a string's characters, a record's fields, a comparer's call).</summary>
    private int[] _hashes = new int[8];
    private int[] _references = new int[8];
    private int _count;
    private int _live;
    private readonly Stack<int> _free = new();

    /// <summary>
    /// For <see cref="int"/> keys only: id + 1 of every held key in [0, length) (0: not held), so the common case of
    /// small non-negative keys is one array load instead of a hash, a slot load and two compares. Every key stays in
    /// the slots as well; the array only answers first. It grows with the keys (never past 16 entries per key held
    /// plus 1,024), so sparse keys do not make it large.
    /// </summary>
    private int[] _dense = [];

    /// <summary>Creates an empty table.</summary>
    /// <param name="comparer">Key equality; null for the key type's own (<see cref="EqualityComparer{T}.Default"/>).</param>
    public KeyTable(IEqualityComparer<TKey>? comparer = null)
    {
        _hash = _initialHash = new KeyHash<TKey>(comparer);
    }

    /// <summary>Keys currently held.</summary>
    public int Count => _live;

    /// <summary>One more than the largest id ever handed out: the length id-indexed arrays need.</summary>
    public int Capacity => _count;

    /// <summary>The key with id <paramref name="id"/>.</summary>
    public TKey this[int id] => _keys[id];

    /// <summary>The id of <paramref name="key"/>, or −1 when no state or timer references it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(TKey key)
    {
        if (typeof(TKey) == typeof(int))
        {
            int[] dense = _dense;
            int value = Unsafe.As<TKey, int>(ref key);
            if ((uint)value < (uint)dense.Length) return dense[value] - 1;
        }

        int hash = Hash(key);
        Slot[] slots = _slots;
        uint mask = (uint)slots.Length - 1;
        uint i = Home(hash);
        ref Slot first = ref MemoryMarshal.GetArrayDataReference(slots);
        while (true)
        {
            ref Slot slot = ref Unsafe.Add(ref first, (nint)(i & mask));
            int id = slot.Id - 1;
            if (id < 0) return -1;
            if (slot.Hash == hash && Equal(slot.Key, key)) return id;
            i++;
        }
    }

    /// <summary>
    /// The id of <paramref name="key"/>, added when new. A new key has no references: add one with
    /// <see cref="AddReference"/>, or drop it again with <see cref="ReleaseIfUnreferenced"/>.
    /// </summary>
    public int GetOrAdd(TKey key)
    {
        if (typeof(TKey) == typeof(int))
        {
            int[] dense = _dense;
            int value = Unsafe.As<TKey, int>(ref key);
            if ((uint)value < (uint)dense.Length && dense[value] != 0) return dense[value] - 1;
        }

        int hash = Hash(key);
        uint mask = (uint)_slots.Length - 1;
        uint home = Home(hash);
        for (uint i = home; ; i++)
        {
            ref Slot slot = ref _slots[i & mask];
            int id = slot.Id - 1;
            if (id < 0)
            {
                if (i - home <= CollisionThreshold || !_hash.FastStrings) return Add(key, hash, ref slot);

                // A long run of colliding strings: from now on they are hashed with the randomized hash.
                _hash = _hash.Randomized();
                Rehash();
                return GetOrAdd(key);
            }

            if (slot.Hash == hash && Equal(slot.Key, key)) return id;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Add(TKey key, int hash, ref Slot slot)
    {
        int id;
        if (_free.Count > 0)
        {
            id = _free.Pop();
        }
        else
        {
            if (_count == _keys.Length)
            {
                StateArrays.Resize(ref _keys, _keys.Length * 2);
                StateArrays.Resize(ref _hashes, _keys.Length);
                StateArrays.Resize(ref _references, _keys.Length);
            }

            id = _count++;
        }

        _keys[id] = key;
        _hashes[id] = hash;
        _references[id] = 0;
        slot = new Slot(hash, id + 1, key);
        _live++;
        if (typeof(TKey) == typeof(int)) IndexDense(Unsafe.As<TKey, int>(ref key), id);

        // At most half the slots in use keeps probe sequences short.
        if (_live * 2 > _slots.Length) Grow();
        return id;
    }

    /// <summary>Something (a state entry, a timer) now refers to key <paramref name="id"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddReference(int id) => _references[id]++;

    /// <summary>A reference to key <paramref name="id"/> went away; the key goes with its last one.</summary>
    public void Release(int id)
    {
        if (--_references[id] == 0) Remove(id);
    }

    /// <summary>Drops key <paramref name="id"/> when nothing refers to it (it was added, then nothing was stored).</summary>
    public void ReleaseIfUnreferenced(int id)
    {
        if (_references[id] == 0) Remove(id);
    }

    /// <summary>How many state entries and timers refer to key <paramref name="id"/> (−1 once the id is free).</summary>
    public int References(int id) => _references[id];

    private void Remove(int id)
    {
        if (typeof(TKey) == typeof(int))
        {
            int value = Unsafe.As<TKey, int>(ref _keys[id]);
            if ((uint)value < (uint)_dense.Length) _dense[value] = 0;
        }

        RemoveSlot(id);
        _keys[id] = default!;
        _references[id] = -1;
        _free.Push(id);
        _live--;
    }

    /// <summary>Records a new <see cref="int"/> key in <see cref="_dense"/>, growing it (and filling in the keys held) when the key is just past it.</summary>
    private void IndexDense(int value, int id)
    {
        // A custom comparer may call different ints the same key: the array, indexed by value, would not see that.
        // It then stays empty, so lookups go through the slots (and the comparer).
        if (_hash.Comparer is not null) return;
        if ((uint)value < (uint)_dense.Length)
        {
            _dense[value] = id + 1;
            return;
        }

        if (value < 0 || value >= MaxDenseKey || value >= (16 * _live) + 1024) return;
        var dense = StateArrays.Allocate<int>(Math.Min(MaxDenseKey, Math.Max(Math.Max(value + 1, _dense.Length * 2), 64)));
        int length = dense.Length;
        for (int i = 0; i < _count; i++)
        {
            if (_references[i] < 0) continue;
            int held = Unsafe.As<TKey, int>(ref _keys[i]);
            if ((uint)held < (uint)length) dense[held] = i + 1;
        }

        StateArrays.Return(_dense);
        _dense = dense;
    }

    /// <summary>Empties the slot of key <paramref name="id"/> and shifts back the keys after it that probed past it.</summary>
    private void RemoveSlot(int id)
    {
        Slot[] slots = _slots;
        uint mask = (uint)slots.Length - 1;
        uint hole = Home(_hashes[id]) & mask;
        while (slots[hole].Id != id + 1) hole = (hole + 1) & mask;

        for (uint next = (hole + 1) & mask; slots[next].Id != 0; next = (next + 1) & mask)
        {
            // A key may fill the hole when its home is not in (hole, next]: its probe sequence passes the hole.
            uint home = Home(slots[next].Hash) & mask;
            bool stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
            if (stays) continue;
            slots[hole] = slots[next];
            hole = next;
        }

        slots[hole] = default;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = StateArrays.Allocate<Slot>(old.Length * 2);
        _shift--;
        foreach (var slot in old)
        {
            if (slot.Id != 0) Place(slot);
        }

        StateArrays.Return(old);
    }

    /// <summary>The run ended: drops every key and gives the table's arrays back to the pool (<see cref="StateArrays"/>), leaving it as new.</summary>
    public void ReleaseArrays()
    {
        StateArrays.Return(_slots);
        StateArrays.Return(_keys);
        StateArrays.Return(_hashes);
        StateArrays.Return(_references);
        StateArrays.Return(_dense);
        _slots = new Slot[MinSlots];
        _shift = 32 - 4;
        _keys = new TKey[8];
        _hashes = new int[8];
        _references = new int[8];
        _dense = [];
        _count = 0;
        _live = 0;
        _free.Clear();
        _hash = _initialHash;
    }

    /// <summary>Every key's slot again, with hash codes computed anew (after the hash function changed).</summary>
    private void Rehash()
    {
        Array.Clear(_slots);
        for (int id = 0; id < _count; id++)
        {
            if (_references[id] < 0) continue;
            _hashes[id] = Hash(_keys[id]);
            Place(new Slot(_hashes[id], id + 1, _keys[id]));
        }
    }

    private void Place(Slot slot)
    {
        uint mask = (uint)_slots.Length - 1;
        uint i = Home(slot.Hash) & mask;
        while (_slots[i].Id != 0) i = (i + 1) & mask;
        _slots[i] = slot;
    }

    /// <summary>Every key held, with its id.</summary>
    public IEnumerable<(int Id, TKey Key)> Entries()
    {
        for (int id = 0; id < _count; id++)
        {
            if (_references[id] >= 0) yield return (id, _keys[id]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Hash(TKey key) => _hash.Of(key);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Equal(TKey held, TKey key) => _hash.Equal(held, key);

    /// <summary>The first slot (before masking) of a hash code: the Fibonacci multiply's high bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Home(int hash) => ((uint)hash * 0x9E3779B9u) >> _shift;

    /// <summary>A key's hash code, its id + 1 (0: empty slot) and the key.</summary>
    private readonly record struct Slot(int Hash, int Id, TKey Key);
}
