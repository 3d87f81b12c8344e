namespace Pipelines.State;

/// <summary>
/// The index of the tracked timers of keys with many (<see cref="IndexAbove"/>): node ids in an open-addressing table
/// (linear probing, at most half full, a removed node's slot refilled by shifting its successors back), hashed by the
/// node's (key, namespace, time). Each slot holds the node id and its hash, so a probe that meets another timer, the
/// shift after a removal and a rehash when the table grows decide from the slot alone: only a slot whose hash matches
/// reads its node (a node is a cache line away from its neighbours in the table, and a timer firing takes its node
/// out of the index while the nodes after it in the table are cold). Its array comes from the shared pool
/// (<see cref="StateArrays"/>) like the nodes', so a run that indexes hundreds of thousands of timers (a bounded run
/// holds them all to the end) leaves no garbage.
/// </summary>
internal sealed partial class TimerQueue
{
    private static readonly ulong IndexSeed = (ulong)Random.Shared.NextInt64() | 1;

    /// <summary>A slot of the index: 1 + a node id (0: empty), and the hash of the node's (key, namespace, time).</summary>
    private struct IndexSlot
    {
        public int Node;
        public uint Hash;
    }

    /// <summary>The slots; the length is 0 or a power of two.</summary>
    private IndexSlot[] _indexSlots = [];
    private int _indexCount;

    /// <summary>The node of the indexed timer (key, namespace, time), or −1.</summary>
    private int IndexFind(int key, Window ns, long time)
    {
        var slots = _indexSlots;
        if (slots.Length == 0) return -1;
        uint mask = (uint)slots.Length - 1;
        uint hash = IndexHash(key, ns.StartTicks, ns.EndTicks, time);
        for (uint i = hash & mask; ; i = (i + 1) & mask)
        {
            ref var slot = ref slots[i];
            int n = slot.Node - 1;
            if (n < 0) return -1;
            if (slot.Hash != hash) continue;
            ref var node = ref _nodes[n];
            if (node.Time == time && node.Key == key && node.Namespace.StartTicks == ns.StartTicks && node.Namespace.EndTicks == ns.EndTicks) return n;
        }
    }

    /// <summary>Indexes node <paramref name="node"/> (not indexed yet).</summary>
    private void IndexAdd(int node)
    {
        if ((_indexCount + 1) * 2 > _indexSlots.Length) IndexGrow();
        IndexPlace(_indexSlots, node + 1, HashOf(node));
        _indexCount++;
    }

    /// <summary>Takes node <paramref name="node"/> (indexed, its fields unchanged since) out of the index.</summary>
    private void IndexRemove(int node)
    {
        var slots = _indexSlots;
        uint mask = (uint)slots.Length - 1;
        uint hole = HashOf(node) & mask;
        while (slots[hole].Node != node + 1) hole = (hole + 1) & mask;

        for (uint next = (hole + 1) & mask; slots[next].Node != 0; next = (next + 1) & mask)
        {
            // A node may fill the hole when its home is not in (hole, next]: its probe sequence passes the hole.
            uint home = slots[next].Hash & mask;
            bool stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
            if (stays) continue;
            slots[hole] = slots[next];
            hole = next;
        }

        slots[hole] = default;
        _indexCount--;
    }

    /// <summary>Empties the index and gives its array back to the pool.</summary>
    private void IndexClear()
    {
        StateArrays.Return(_indexSlots);
        _indexSlots = [];
        _indexCount = 0;
    }

    private void IndexGrow()
    {
        var old = _indexSlots;
        var slots = StateArrays.Allocate<IndexSlot>(Math.Max(64, old.Length * 2));
        foreach (var slot in old)
        {
            if (slot.Node != 0) IndexPlace(slots, slot.Node, slot.Hash);
        }

        _indexSlots = slots;
        StateArrays.Return(old);
    }

    /// <summary>Puts 1 + a node id with its hash in the first empty slot from the hash's home.</summary>
    private static void IndexPlace(IndexSlot[] slots, int nodePlusOne, uint hash)
    {
        uint mask = (uint)slots.Length - 1;
        uint i = hash & mask;
        while (slots[i].Node != 0) i = (i + 1) & mask;
        slots[i] = new IndexSlot { Node = nodePlusOne, Hash = hash };
    }

    private uint HashOf(int node)
    {
        ref var n = ref _nodes[node];
        return IndexHash(n.Key, n.Namespace.StartTicks, n.Namespace.EndTicks, n.Time);
    }

    /// <summary>
    /// A multiply-rotate mix of the four fields, seeded per process (times come from the data, so a fixed hash could
    /// be made to collide); its low bits pick the slot.
    /// </summary>
    private static uint IndexHash(int key, long start, long end, long time)
    {
        ulong h = ((ulong)time ^ IndexSeed) * 0x9E3779B97F4A7C15UL;
        h = ulong.RotateLeft(h ^ (uint)key, 23) * 0xC2B2AE3D27D4EB4FUL;
        h = ulong.RotateLeft(h ^ (ulong)start, 29) * 0x165667B19E3779F9UL;
        h ^= (ulong)end * 0x9E3779B97F4A7C15UL;
        return (uint)(h ^ (h >> 32));
    }
}
