using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pipelines.State;

/// <summary>
/// The keys a stage worker holds state or timers for, each mapped to a small integer id that state tables and
/// timers use instead of the key. A key stays while anything references it (a state entry, a timer) and its id
/// is reused after the last reference goes. Small non-negative <see cref="int"/> keys are also indexed by an
/// array, so ids are found without hashing; every other key type goes through one hash table with the key's
/// default equality.
/// </summary>
internal sealed class KeyTable<TKey>
    where TKey : notnull
{
    private const int MaxDenseKey = 1 << 20;

    private readonly Dictionary<TKey, int> _index;
    private int[] _dense = [];
    private TKey[] _keys = new TKey[16];
    private int[] _references = new int[16];
    private int _count;
    private readonly Stack<int> _free = new();

    public KeyTable(IEqualityComparer<TKey>? comparer = null) => _index = new Dictionary<TKey, int>(comparer);

    /// <summary>Keys currently held.</summary>
    public int Count => _index.Count;

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
            int id = Unsafe.As<TKey, int>(ref key);
            int[] dense = _dense;
            if ((uint)id < (uint)dense.Length) return dense[id] - 1;
        }

        return IndexOfHashed(key);
    }

    /// <summary>The dense array of small <see cref="int"/> keys (id + 1, 0 for none); for loops that inline the lookup.</summary>
    public int[] DenseIds => _dense;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int IndexOfHashed(TKey key) => _index.TryGetValue(key, out int id) ? id : -1;

    /// <summary>
    /// The id of <paramref name="key"/>, added when new. A new key has no references: add one with
    /// <see cref="AddReference"/>, or drop it again with <see cref="ReleaseIfUnreferenced"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int GetOrAdd(TKey key)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out bool known);
        if (known) return slot;
        int id;
        if (_free.Count > 0)
        {
            id = _free.Pop();
        }
        else
        {
            if (_count == _keys.Length)
            {
                Array.Resize(ref _keys, _keys.Length * 2);
                Array.Resize(ref _references, _keys.Length);
            }

            id = _count++;
        }

        slot = id;
        _keys[id] = key;
        _references[id] = 0;
        if (typeof(TKey) == typeof(int))
        {
            int value = Unsafe.As<TKey, int>(ref key);
            if (value >= 0 && value < MaxDenseKey)
            {
                if (value >= _dense.Length) Array.Resize(ref _dense, Math.Min(MaxDenseKey, Math.Max(value + 1, _dense.Length * 2)));
                _dense[value] = id + 1;
            }
        }

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
        TKey key = _keys[id];
        if (typeof(TKey) == typeof(int))
        {
            int value = Unsafe.As<TKey, int>(ref key);
            if ((uint)value < (uint)_dense.Length) _dense[value] = 0;
        }

        _index.Remove(key);
        _keys[id] = default!;
        _references[id] = -1;
        _free.Push(id);
    }

    /// <summary>Every key held, with its id.</summary>
    public IEnumerable<(int Id, TKey Key)> Entries()
    {
        foreach (var (key, id) in _index) yield return (id, key);
    }
}
