using System.Numerics;

namespace Pipelines.State;

/// <summary>
/// Sorts <see cref="TimeBucket"/>s by (time, creation order) for the end-of-input drain: a least-significant-digit
/// radix sort over bytes, first of the creation order (skipped when the buckets are in creation order already, as
/// when they were only appended) and then of the time, each relative to its minimum so that only the bytes that
/// differ are passed over (a run's times span a few bytes), and a pass whose byte is the same in every bucket is skipped.
/// Every pass is stable, so equal times keep the creation order the earlier passes gave them.
/// </summary>
internal static class TimeBucketSort
{
    /// <summary>
    /// Sorts the first <paramref name="count"/> items of <paramref name="items"/>, using <paramref name="scratch"/>
    /// (at least as long); returns whichever of the two holds the sorted items.
    /// </summary>
    public static TimeBucket[] Sort(TimeBucket[] items, TimeBucket[] scratch, int count)
    {
        if (count < 2) return items;
        long minTime = long.MaxValue, maxTime = long.MinValue, minOrder = long.MaxValue, maxOrder = long.MinValue;
        bool inOrder = true;
        long previous = long.MinValue;
        for (int i = 0; i < count; i++)
        {
            ref readonly var item = ref items[i];
            minTime = Math.Min(minTime, item.Time);
            maxTime = Math.Max(maxTime, item.Time);
            minOrder = Math.Min(minOrder, item.Order);
            maxOrder = Math.Max(maxOrder, item.Order);
            inOrder &= item.Order > previous;
            previous = item.Order;
        }

        var source = items;
        var target = scratch;
        if (!inOrder)
        {
            int orderBytes = BytesOf((ulong)maxOrder - (ulong)minOrder);
            for (int b = 0; b < orderBytes; b++)
            {
                if (Pass(source, target, count, minOrder, b * 8, byOrder: true)) (source, target) = (target, source);
            }
        }

        int timeBytes = BytesOf((ulong)maxTime - (ulong)minTime);
        for (int b = 0; b < timeBytes; b++)
        {
            if (Pass(source, target, count, minTime, b * 8, byOrder: false)) (source, target) = (target, source);
        }

        return source;
    }

    private static int BytesOf(ulong span) => (64 - BitOperations.LeadingZeroCount(span) + 7) / 8;

    /// <summary>One counting pass on byte <paramref name="shift"/>/8 of (key − min); false (nothing moved) when every item has the same byte.</summary>
    private static bool Pass(TimeBucket[] source, TimeBucket[] target, int count, long min, int shift, bool byOrder)
    {
        Span<int> offsets = stackalloc int[256];
        offsets.Clear();
        for (int i = 0; i < count; i++) offsets[Digit(source[i], min, shift, byOrder)]++;

        int total = 0;
        for (int d = 0; d < 256; d++)
        {
            int n = offsets[d];
            if (n == count) return false;
            offsets[d] = total;
            total += n;
        }

        for (int i = 0; i < count; i++)
        {
            ref readonly var item = ref source[i];
            target[offsets[Digit(item, min, shift, byOrder)]++] = item;
        }

        return true;
    }

    private static int Digit(in TimeBucket item, long min, int shift, bool byOrder) =>
        (int)((((ulong)(byOrder ? item.Order : item.Time)) - (ulong)min) >> shift) & 0xFF;
}
