namespace Pipelines.State;

/// <summary>The tracked timers of each key: uniqueness and deletion by a scan of the key's few timers, or a hash index for a key with many.</summary>
internal sealed partial class TimerQueue
{
    /// <summary>A key with more tracked timers than this has them indexed (<c>TimerQueue.Index.cs</c>).</summary>
    internal const int IndexAbove = 8;

    /// <summary>A key's tracked timers: 1 + the first node of its chain (0: none), how many, and whether they are indexed.</summary>
    private struct KeyTimers
    {
        public int Head;
        public int Count;
        public bool Indexed;
    }

    /// <summary>By key id.</summary>
    private KeyTimers[] _keys = new KeyTimers[16];

    /// <summary>Drops every key's timers and gives their array back to the pool.</summary>
    private void ReleaseKeyArrays()
    {
        StateArrays.Return(_keys);
        _keys = new KeyTimers[16];
        IndexClear();
    }

    /// <summary>The node of the tracked timer (key, namespace, time), or −1.</summary>
    private int Find(int key, Window ns, long time)
    {
        if ((uint)key >= (uint)_keys.Length) return -1;
        ref var timers = ref _keys[key];
        if (timers.Indexed) return IndexFind(key, ns, time);
        var nodes = _nodes;
        for (int n = timers.Head - 1; n >= 0; n = nodes[n].KeyNext)
        {
            ref var node = ref nodes[n];
            if (node.Time == time && node.Namespace.StartTicks == ns.StartTicks && node.Namespace.EndTicks == ns.EndTicks) return n;
        }

        return -1;
    }

    /// <summary>Puts the new tracked node <paramref name="node"/> first in its key's chain (and the index, for a key with many).</summary>
    private void LinkToKey(int node, int key, Window ns, long time)
    {
        if (key >= _keys.Length) StateArrays.Resize(ref _keys, Math.Max(key + 1, _keys.Length * 2));
        ref var timers = ref _keys[key];
        int head = timers.Head - 1;
        _nodes[node].KeyNext = head;
        if (head >= 0) _nodes[head].KeyPrevious = node;
        timers.Head = node + 1;
        timers.Count++;
        if (timers.Indexed)
        {
            IndexAdd(node);
        }
        else if (timers.Count > IndexAbove)
        {
            for (int n = node; n >= 0; n = _nodes[n].KeyNext) IndexAdd(n);
            timers.Indexed = true;
        }
    }

    /// <summary>Takes the tracked node <paramref name="node"/> out of its key's chain (and the index).</summary>
    private void UnlinkFromKey(int node)
    {
        ref var n = ref _nodes[node];
        ref var timers = ref _keys[n.Key];
        if (n.KeyPrevious >= 0) _nodes[n.KeyPrevious].KeyNext = n.KeyNext;
        else timers.Head = n.KeyNext + 1;
        if (n.KeyNext >= 0) _nodes[n.KeyNext].KeyPrevious = n.KeyPrevious;
        n.KeyNext = -1;
        n.KeyPrevious = -1;
        timers.Count--;
        if (!timers.Indexed) return;
        IndexRemove(node);
        if (timers.Count == 0) timers.Indexed = false;
    }
}
