using System.Runtime.InteropServices;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>
/// Event-time plumbing of the peers' NEXMark operators: a bounded-out-of-orderness watermark (largest event time
/// seen minus <see cref="NexmarkConfig.MaxDelay"/>, as the Pipelines contenders use) and windows that fire when
/// it reaches their end. An element for a window that already fired is an error (the generator never makes one).
/// </summary>
/// <typeparam name="TOut">The result type.</typeparam>
internal abstract class EventTimeOperator<TOut> : IPeerOperator<NexmarkEvent, TOut>
{
    private readonly long _bound = NexmarkConfig.Default.MaxDelay.Ticks;
    private readonly List<TOut> _output = [];
    private long _maxSeen = long.MinValue;
    private long _nextFire = long.MaxValue;

    /// <summary>Every window ending at or before this has fired.</summary>
    protected long FiredUpTo { get; private set; } = long.MinValue;

    public TOut[] Add(in NexmarkEvent element)
    {
        long t = element.Time.UtcTicks;
        OnElement(element, t);
        if (t > _maxSeen) _maxSeen = t;
        long watermark = _maxSeen - _bound;
        if (_nextFire <= watermark) FireUpTo(watermark);
        return Drain();
    }

    public TOut[] Flush()
    {
        FireUpTo(long.MaxValue);
        return Drain();
    }

    /// <summary>Takes an element (all kinds: each operator picks what it needs).</summary>
    protected abstract void OnElement(in NexmarkEvent element, long time);

    /// <summary>Emits every window ending at or before <paramref name="watermark"/>; returns the earliest end still open (or long.MaxValue).</summary>
    protected abstract long Fire(long watermark, List<TOut> output);

    /// <summary>Asks for <see cref="Fire"/> once the watermark reaches <paramref name="end"/>.</summary>
    protected void Schedule(long end)
    {
        if (end <= FiredUpTo) throw new InvalidOperationException($"{GetType().Name}: an element arrived for a window that already fired (end {end}, fired up to {FiredUpTo}).");
        if (end < _nextFire) _nextFire = end;
    }

    private void FireUpTo(long watermark)
    {
        _nextFire = Fire(watermark, _output);
        FiredUpTo = watermark;
    }

    private TOut[] Drain()
    {
        if (_output.Count == 0) return [];
        var results = _output.ToArray();
        _output.Clear();
        return results;
    }

    /// <summary>Window start for tumbling/sliding grids aligned to the Unix epoch.</summary>
    protected static long Floor(long utcTicks, long size)
    {
        long t = utcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long r = t % size;
        if (r < 0) r += size;
        return utcTicks - r;
    }

    /// <summary>Fires the windows of a start-keyed dictionary; returns the earliest remaining end.</summary>
    protected static long FireWindows<TState>(Dictionary<long, TState> windows, long size, long watermark, Action<long, TState> emit)
    {
        List<long>? done = null;
        long next = long.MaxValue;
        foreach (var (start, state) in windows)
        {
            long end = start + size;
            if (end <= watermark)
            {
                emit(start, state);
                (done ??= []).Add(start);
            }
            else if (end < next)
            {
                next = end;
            }
        }

        if (done is not null)
        {
            foreach (long start in done) windows.Remove(start);
        }

        return next;
    }
}

/// <summary>Q5 for the peers: per sliding window a per-auction count; the hottest auction when the window fires.</summary>
internal sealed class Q5Operator : EventTimeOperator<Q5Out>
{
    private static readonly long Size = TimeSpan.FromSeconds(10).Ticks;
    private static readonly long Slide = TimeSpan.FromSeconds(2).Ticks;
    private readonly Dictionary<long, Dictionary<long, long>> _windows = [];

    protected override void OnElement(in NexmarkEvent element, long time)
    {
        if (element.Kind != EventKind.Bid) return;
        for (long s = Floor(time, Slide); s > time - Size; s -= Slide)
        {
            Schedule(s + Size);
            ref var counts = ref CollectionsMarshal.GetValueRefOrAddDefault(_windows, s, out _);
            CollectionsMarshal.GetValueRefOrAddDefault(counts ??= [], element.Bid.Auction, out _)++;
        }
    }

    protected override long Fire(long watermark, List<Q5Out> output) =>
        FireWindows(_windows, Size, watermark, (start, counts) =>
        {
            var best = default(HotItem);
            foreach (var (auction, count) in counts) best = HotItem.Better(best, new HotItem(auction, count));
            output.Add(new Q5Out(start + Size, best.Auction, best.Count));
        });
}

/// <summary>Q7 for the peers: the highest bid per tumbling window.</summary>
internal sealed class Q7Operator : EventTimeOperator<Q7Out>
{
    private static readonly long Size = TimeSpan.FromSeconds(10).Ticks;
    private readonly Dictionary<long, Bid> _windows = [];

    protected override void OnElement(in NexmarkEvent element, long time)
    {
        if (element.Kind != EventKind.Bid) return;
        long start = Floor(time, Size);
        Schedule(start + Size);
        ref var best = ref CollectionsMarshal.GetValueRefOrAddDefault(_windows, start, out bool exists);
        best = exists ? Q7HighestBid.Higher(best, element.Bid) : element.Bid;
    }

    protected override long Fire(long watermark, List<Q7Out> output) =>
        FireWindows(_windows, Size, watermark, (start, b) => output.Add(new Q7Out(start + Size, b.Auction, b.Bidder, b.Price)));
}

/// <summary>Q8 for the peers: per tumbling window the new persons and the auctions by seller, joined when it fires.</summary>
internal sealed class Q8Operator : EventTimeOperator<Q8Out>
{
    private static readonly long Size = TimeSpan.FromSeconds(10).Ticks;
    private readonly Dictionary<long, (Dictionary<long, Person> Persons, Dictionary<long, List<Auction>> Auctions)> _windows = [];

    protected override void OnElement(in NexmarkEvent element, long time)
    {
        if (element.Kind == EventKind.Bid) return;
        long start = Floor(time, Size);
        Schedule(start + Size);
        ref var window = ref CollectionsMarshal.GetValueRefOrAddDefault(_windows, start, out bool exists);
        if (!exists) window = ([], []);
        if (element.Kind == EventKind.Person)
        {
            window.Persons[element.Person!.Id] = element.Person;
        }
        else
        {
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(window.Auctions, element.Auction!.Seller, out _);
            (list ??= []).Add(element.Auction);
        }
    }

    protected override long Fire(long watermark, List<Q8Out> output) =>
        FireWindows(_windows, Size, watermark, (start, window) =>
        {
            foreach (var (seller, auctions) in window.Auctions)
            {
                if (!window.Persons.TryGetValue(seller, out var person)) continue;
                foreach (var a in auctions) output.Add(new Q8Out(person.Id, person.Name, a.Reserve, start));
            }
        });
}

/// <summary>Q11 for the peers: per-bidder merging sessions, fired by a timer queue on their ends.</summary>
internal sealed class Q11Operator : EventTimeOperator<Q11Out>
{
    private static readonly long Gap = TimeSpan.FromSeconds(10).Ticks;
    private readonly Dictionary<long, List<Session>> _sessions = [];
    private readonly PriorityQueue<long, long> _timers = new();

    protected override void OnElement(in NexmarkEvent element, long time)
    {
        if (element.Kind != EventKind.Bid) return;
        long bidder = element.Bid.Bidder;
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_sessions, bidder, out _);
        list ??= [];

        // Sessions are sorted by start and disjoint; the ones [time, time + gap) overlaps are contiguous.
        long start = time, end = time + Gap, count = 1;
        int first = 0;
        while (first < list.Count && list[first].End <= start) first++;
        int last = first;
        while (last < list.Count && list[last].Start < end) last++;
        for (int i = first; i < last; i++)
        {
            start = Math.Min(start, list[i].Start);
            end = Math.Max(end, list[i].End);
            count += list[i].Count;
        }

        list.RemoveRange(first, last - first);
        list.Insert(first, new Session(start, end, count));
        Schedule(end);
        _timers.Enqueue(bidder, end);
    }

    protected override long Fire(long watermark, List<Q11Out> output)
    {
        while (_timers.TryPeek(out long bidder, out long end) && end <= watermark)
        {
            _timers.Dequeue();
            if (!_sessions.TryGetValue(bidder, out var list)) continue;
            int i = list.FindIndex(s => s.End == end);
            if (i < 0) continue; // a timer of a session that has since merged into a longer one
            output.Add(new Q11Out(bidder, list[i].Start, list[i].End, list[i].Count));
            list.RemoveAt(i);
            if (list.Count == 0) _sessions.Remove(bidder);
        }

        return _timers.TryPeek(out _, out long next) ? next : long.MaxValue;
    }

    private readonly record struct Session(long Start, long End, long Count);
}
