namespace Pipelines.State;

/// <summary>
/// A 4-ary min-heap of <see cref="TimeBucket"/>s by (time, creation order), with lazy insertion: added buckets are
/// appended and ordered only when the minimum is asked for (one sift-up each, or one bottom-up heapify when more
/// were added than the heap held). A run that never asks until the end (the bounded executor fires every
/// event-time timer at the +∞ watermark) only appends, and <see cref="TakeAll"/> hands the unordered items to a sort.
/// </summary>
internal sealed class TimeBucketHeap
{
    private TimeBucket[] _items = new TimeBucket[16];
    private int _count;

    /// <summary>Items [0, _ordered) form a heap; [_ordered, _count) were appended since.</summary>
    private int _ordered;

    /// <summary>Buckets held.</summary>
    public int Count => _count;

    /// <summary>Every bucket held, in no particular order.</summary>
    public ReadOnlySpan<TimeBucket> Items => _items.AsSpan(0, _count);

    /// <summary>Adds a bucket.</summary>
    public void Add(in TimeBucket item)
    {
        if (_count == _items.Length) StateArrays.Resize(ref _items, _items.Length * 2);
        _items[_count++] = item;
    }

    /// <summary>The first bucket by (time, creation order), if any.</summary>
    public bool TryPeek(out TimeBucket first)
    {
        if (_count == 0)
        {
            first = default;
            return false;
        }

        if (_ordered != _count) Settle();
        first = _items[0];
        return true;
    }

    /// <summary>Removes the first bucket (after <see cref="TryPeek"/> returned it).</summary>
    public void RemoveFirst()
    {
        int last = --_count;
        _ordered = _count;
        if (last > 0) SiftDown(_items[last], 0);
        _items[last] = default;
    }

    /// <summary>Takes every bucket out, unordered: the returned array's first <paramref name="count"/> items.</summary>
    public TimeBucket[] TakeAll(out int count)
    {
        var items = _items;
        count = _count;
        _items = new TimeBucket[16];
        _count = 0;
        _ordered = 0;
        return items;
    }

    /// <summary>The run ended: drops every bucket and gives the array back to the pool (<see cref="StateArrays"/>).</summary>
    public void ReleaseArrays()
    {
        StateArrays.Return(_items);
        _items = new TimeBucket[16];
        _count = 0;
        _ordered = 0;
    }

    /// <summary>Removes every bucket.</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
        _ordered = 0;
    }

    private void Settle()
    {
        var items = _items;
        if (_count - _ordered > _ordered)
        {
            // Floyd's bottom-up build: linear in the items, against n log n for one sift-up each.
            for (int i = (_count - 2) >> 2; i >= 0; i--) SiftDown(items[i], i);
        }
        else
        {
            for (int i = _ordered; i < _count; i++) SiftUp(items[i], i);
        }

        _ordered = _count;
    }

    private void SiftUp(TimeBucket item, int at)
    {
        var items = _items;
        while (at > 0)
        {
            int parent = (at - 1) >> 2;
            if (!item.Before(items[parent])) break;
            items[at] = items[parent];
            at = parent;
        }

        items[at] = item;
    }

    private void SiftDown(TimeBucket item, int at)
    {
        var items = _items;
        int count = _count;
        while (true)
        {
            int first = (at << 2) + 1;
            if (first >= count) break;
            int min = first;
            int end = Math.Min(first + 4, count);
            for (int c = first + 1; c < end; c++)
            {
                if (items[c].Before(items[min])) min = c;
            }

            if (!items[min].Before(item)) break;
            items[at] = items[min];
            at = min;
        }

        items[at] = item;
    }
}
