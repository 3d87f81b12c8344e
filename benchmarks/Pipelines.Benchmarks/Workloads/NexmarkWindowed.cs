using System.Runtime.InteropServices;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of Q5: the auction with the most bids in a sliding window (ties: the smallest auction id).</summary>
public readonly record struct Q5Out(long WindowEndTicks, long Auction, long Count) : IResult<Q5Out>
{
    public ulong Hash() => Hashing.Combine((ulong)WindowEndTicks, (ulong)Auction, (ulong)Count);

    public int CompareTo(Q5Out other)
    {
        int c = WindowEndTicks.CompareTo(other.WindowEndTicks);
        if (c == 0) c = Auction.CompareTo(other.Auction);
        return c != 0 ? c : Count.CompareTo(other.Count);
    }

    public override string ToString() => $"window ending {new DateTimeOffset(WindowEndTicks, TimeSpan.Zero):O}: auction {Auction} × {Count}";
}

/// <summary>The hottest item so far: the larger count wins, ties go to the smaller auction id.</summary>
public readonly record struct HotItem(long Auction, long Count)
{
    public static HotItem Better(HotItem a, HotItem b) =>
        b.Count > a.Count || (b.Count == a.Count && b.Count > 0 && b.Auction < a.Auction) ? b : a;
}

/// <summary>Pipelines aggregator of Q5's second stage: the hottest item among a window's per-auction counts.</summary>
internal sealed class HotItemAggregator : IAggregator<WindowResult<long, long>, HotItem, HotItem>
{
    public HotItem CreateAccumulator() => default;

    public HotItem Add(HotItem accumulator, WindowResult<long, long> value) => HotItem.Better(accumulator, new HotItem(value.Key, value.Value));

    public HotItem Merge(HotItem left, HotItem right) => HotItem.Better(left, right);

    public HotItem GetResult(HotItem accumulator) => accumulator;
}

/// <summary>Q5: hot items: per sliding window (10 s, every 2 s), the auction with the most bids.</summary>
public sealed class Q5HotItems : NexmarkWorkload<Q5Out>
{
    private static readonly long Size = TimeSpan.FromSeconds(10).Ticks;
    private static readonly long Slide = TimeSpan.FromSeconds(2).Ticks;

    public Q5HotItems()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            var counts = new Dictionary<(long Start, long Auction), long>();
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind != EventKind.Bid) continue;
                long t = e.Time.UtcTicks;
                for (long s = WindowStart(e.Time, Slide); s > t - Size; s -= Slide)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(counts, (s, e.Bid.Auction), out _)++;
                }
            }

            var best = new Dictionary<long, HotItem>();
            foreach (var ((start, auction), count) in counts)
            {
                ref var b = ref CollectionsMarshal.GetValueRefOrAddDefault(best, start, out _);
                b = HotItem.Better(b, new HotItem(auction, count));
            }

            foreach (var (start, item) in best) output.Add(new Q5Out(start + Size, item.Auction, item.Count));
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            var results = input
                .Where(e => e.Kind == EventKind.Bid)
                .SelectMany(e => WindowStarts(e.Time), (e, start) => (Start: start, e.Bid.Auction))
                .CountBy(x => x)
                .GroupBy(x => x.Key.Start, x => new HotItem(x.Key.Auction, x.Value))
                .Select(g => new Q5Out(g.Key + Size, g.Aggregate(HotItem.Better).Auction, g.Aggregate(HotItem.Better).Count));
            foreach (var r in results) output.Add(r);
        });

        AddStatefulPeers(static () => new Q5Operator());

        AddPipelines(static (p, input, output) =>
            Bids(p, input)
                .KeyBy(b => b.Auction)
                .Window(Windows.Sliding(TimeSpan.FromTicks(Size), TimeSpan.FromTicks(Slide)))
                .Count()
                .KeyBy(_ => 0)
                .Window(Windows.Tumbling(TimeSpan.FromTicks(Slide)))
                .Aggregate(new HotItemAggregator())
                .To(new MappingCollectorSink<WindowResult<int, HotItem>, Q5Out>(output, r => new Q5Out(r.Window.End.UtcTicks, r.Value.Auction, r.Value.Count))));
    }

    public override string Name => "Q5";

    public override string Description => "NEXMark Q5: hot items — per sliding window (10 s size, 2 s slide) the auction with the most bids";

    protected override bool RepeatsAlike => true;

    private static IEnumerable<long> WindowStarts(DateTimeOffset time)
    {
        long t = time.UtcTicks;
        for (long s = WindowStart(time, Slide); s > t - Size; s -= Slide) yield return s;
    }
}

/// <summary>Result of Q7: the highest bid of a tumbling window.</summary>
public readonly record struct Q7Out(long WindowEndTicks, long Auction, long Bidder, long Price) : IResult<Q7Out>
{
    public ulong Hash() => Hashing.Combine((ulong)WindowEndTicks, (ulong)Auction, (ulong)Bidder, (ulong)Price);

    public int CompareTo(Q7Out other)
    {
        int c = WindowEndTicks.CompareTo(other.WindowEndTicks);
        if (c == 0) c = Auction.CompareTo(other.Auction);
        if (c == 0) c = Bidder.CompareTo(other.Bidder);
        return c != 0 ? c : Price.CompareTo(other.Price);
    }
}

/// <summary>Q7: highest bid per 10 s tumbling window (ties: earlier bid, then smaller auction id, then smaller bidder id).</summary>
public sealed class Q7HighestBid : NexmarkWorkload<Q7Out>
{
    private static readonly long Size = TimeSpan.FromSeconds(10).Ticks;

    public Q7HighestBid()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            var best = new Dictionary<long, Bid>();
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind != EventKind.Bid) continue;
                ref var b = ref CollectionsMarshal.GetValueRefOrAddDefault(best, WindowStart(e.Time, Size), out bool exists);
                b = exists ? Higher(b, e.Bid) : e.Bid;
            }

            foreach (var (start, b) in best) output.Add(new Q7Out(start + Size, b.Auction, b.Bidder, b.Price));
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            var results = input
                .Where(e => e.Kind == EventKind.Bid)
                .GroupBy(e => WindowStart(e.Time, Size), e => e.Bid)
                .Select(g => (Start: g.Key, Bid: g.Aggregate(Higher)));
            foreach (var (start, b) in results) output.Add(new Q7Out(start + Size, b.Auction, b.Bidder, b.Price));
        });

        AddStatefulPeers(static () => new Q7Operator());

        AddPipelines(static (p, input, output) =>
            Bids(p, input)
                .KeyBy(_ => 0)
                .Window(Windows.Tumbling(TimeSpan.FromTicks(Size)))
                .Reduce((a, b) => Higher(a, b))
                .To(new MappingCollectorSink<WindowResult<int, Bid>, Q7Out>(output, r => new Q7Out(r.Window.End.UtcTicks, r.Value.Auction, r.Value.Bidder, r.Value.Price))));
    }

    public override string Name => "Q7";

    public override string Description => "NEXMark Q7: the highest bid of each 10 s tumbling window";

    /// <summary>The higher bid; a total order, so every contender picks the same one.</summary>
    internal static Bid Higher(Bid a, Bid b)
    {
        int c = b.Price.CompareTo(a.Price);
        if (c == 0) c = a.DateTime.CompareTo(b.DateTime);
        if (c == 0) c = a.Auction.CompareTo(b.Auction);
        if (c == 0) c = a.Bidder.CompareTo(b.Bidder);
        return c > 0 ? b : a;
    }
}

/// <summary>Result of Q8: a new person who opened an auction in the same window.</summary>
public readonly record struct Q8Out(long PersonId, string Name, long Reserve, long WindowStartTicks) : IResult<Q8Out>
{
    public ulong Hash() => Hashing.Combine((ulong)PersonId, Hashing.Of(Name), (ulong)Reserve, (ulong)WindowStartTicks);

    public int CompareTo(Q8Out other)
    {
        int c = WindowStartTicks.CompareTo(other.WindowStartTicks);
        if (c == 0) c = PersonId.CompareTo(other.PersonId);
        if (c == 0) c = Reserve.CompareTo(other.Reserve);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }
}

/// <summary>Q8: monitor new users — persons joined with the auctions they opened in the same 10 s tumbling window.</summary>
public sealed class Q8NewUsers : NexmarkWorkload<Q8Out>
{
    private static readonly long Size = TimeSpan.FromSeconds(10).Ticks;

    public Q8NewUsers()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            var persons = new Dictionary<(long Start, long Id), Person>();
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind == EventKind.Person) persons[(WindowStart(e.Time, Size), e.Person!.Id)] = e.Person;
            }

            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind != EventKind.Auction) continue;
                long start = WindowStart(e.Time, Size);
                if (persons.TryGetValue((start, e.Auction!.Seller), out var person)) output.Add(new Q8Out(person.Id, person.Name, e.Auction.Reserve, start));
            }
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            var results = input.Where(e => e.Kind == EventKind.Person).Join(
                input.Where(e => e.Kind == EventKind.Auction),
                e => (WindowStart(e.Time, Size), e.Person!.Id),
                e => (WindowStart(e.Time, Size), e.Auction!.Seller),
                (pe, ae) => new Q8Out(pe.Person!.Id, pe.Person.Name, ae.Auction!.Reserve, WindowStart(pe.Time, Size)));
            foreach (var r in results) output.Add(r);
        });

        AddStatefulPeers(static () => new Q8Operator());

        AddPipelines(static (p, input, output) =>
        {
            var events = Events(p, input);
            var persons = events.Where(e => e.Kind == EventKind.Person).Select(e => e.Person!).KeyBy(x => x.Id);
            var auctions = events.Where(e => e.Kind == EventKind.Auction).Select(e => e.Auction!).KeyBy(a => a.Seller);
            persons.Join(auctions, Windows.Tumbling(TimeSpan.FromTicks(Size)), (person, a) => new Q8Out(person.Id, person.Name, a.Reserve, WindowStart(person.DateTime, Size)))
                .To(new CollectorSink<Q8Out>(output));
        });
    }

    public override string Name => "Q8";

    public override string Description => "NEXMark Q8: persons joined with the auctions they opened in the same 10 s tumbling window";
}

/// <summary>Result of Q11: one session of one bidder.</summary>
public readonly record struct Q11Out(long Bidder, long StartTicks, long EndTicks, long Count) : IResult<Q11Out>
{
    public ulong Hash() => Hashing.Combine((ulong)Bidder, (ulong)StartTicks, (ulong)EndTicks, (ulong)Count);

    public int CompareTo(Q11Out other)
    {
        int c = Bidder.CompareTo(other.Bidder);
        if (c == 0) c = StartTicks.CompareTo(other.StartTicks);
        if (c == 0) c = EndTicks.CompareTo(other.EndTicks);
        return c != 0 ? c : Count.CompareTo(other.Count);
    }
}

/// <summary>
/// Q11: user sessions — bids per bidder per session (gap 10 s) on out-of-order input. A session is
/// [first bid, last bid + gap); bids closer than the gap are in one session.
/// </summary>
public sealed class Q11Sessions : NexmarkWorkload<Q11Out>
{
    private static readonly long Gap = TimeSpan.FromSeconds(10).Ticks;

    public Q11Sessions()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            var times = new Dictionary<long, List<long>>();
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind != EventKind.Bid) continue;
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(times, e.Bid.Bidder, out _);
                (list ??= []).Add(e.Time.UtcTicks);
            }

            foreach (var (bidder, list) in times)
            {
                list.Sort();
                foreach (var r in Sessions(bidder, list)) output.Add(r);
            }
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            var results = input
                .Where(e => e.Kind == EventKind.Bid)
                .GroupBy(e => e.Bid.Bidder, e => e.Time.UtcTicks)
                .SelectMany(g => Sessions(g.Key, g.Order().ToList()));
            foreach (var r in results) output.Add(r);
        });

        AddStatefulPeers(static () => new Q11Operator());

        AddPipelines(static (p, input, output) =>
            Bids(p, input)
                .KeyBy(b => b.Bidder)
                .Window(Windows.Session(TimeSpan.FromTicks(Gap)))
                .Count()
                .To(new MappingCollectorSink<WindowResult<long, long>, Q11Out>(output, r => new Q11Out(r.Key, r.Window.Start.UtcTicks, r.Window.End.UtcTicks, r.Value))));
    }

    public override string Name => "Q11";

    public override string Description => "NEXMark Q11: bids per bidder per session (10 s gap) on out-of-order input";

    private static IEnumerable<Q11Out> Sessions(long bidder, List<long> sorted)
    {
        long start = sorted[0], last = sorted[0], count = 1;
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i] - last >= Gap)
            {
                yield return new Q11Out(bidder, start, last + Gap, count);
                start = sorted[i];
                count = 0;
            }

            last = sorted[i];
            count++;
        }

        yield return new Q11Out(bidder, start, last + Gap, count);
    }
}
