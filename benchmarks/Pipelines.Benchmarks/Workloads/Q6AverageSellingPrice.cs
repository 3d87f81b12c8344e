using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of Q6: when a seller's auction closes, the average winning price of their last (up to) 10 closed auctions.</summary>
public readonly record struct Q6Out(long Seller, long Auction, long ClosedTicks, long AveragePrice) : IResult<Q6Out>
{
    public ulong Hash() => Hashing.Combine((ulong)Seller, (ulong)Auction, (ulong)ClosedTicks, (ulong)AveragePrice);

    public int CompareTo(Q6Out other)
    {
        int c = Seller.CompareTo(other.Seller);
        if (c == 0) c = ClosedTicks.CompareTo(other.ClosedTicks);
        if (c == 0) c = Auction.CompareTo(other.Auction);
        return c != 0 ? c : AveragePrice.CompareTo(other.AveragePrice);
    }
}

/// <summary>
/// Q6: average selling price by seller — the winning bid of every closed auction (<see cref="WinningBids"/>);
/// each time one of a seller's auctions closes, the average winning price (whole cents, rounded down, as Beam's
/// MovingMeanSellingPrice) of that seller's last 10 closed auctions, this one included. "Last" is in closing order
/// (expiry, then auction id), so the answer does not depend on arrival order. (Beam orders the kept bids by bid time;
/// nexmark/nexmark's SQL uses an OVER window that Flink cannot run.)
/// </summary>
public sealed class Q6AverageSellingPrice : NexmarkWorkload<Q6Out>
{
    /// <summary>Closed auctions per seller in the average.</summary>
    internal const int Last = 10;

    public Q6AverageSellingPrice()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            var winners = WinningBids.Compute(input);
            winners.Sort(static (a, b) =>
            {
                int c = a.ExpiresTicks.CompareTo(b.ExpiresTicks);
                return c != 0 ? c : a.Auction.CompareTo(b.Auction);
            });
            var recent = new Dictionary<long, Queue<long>>();
            var sums = new Dictionary<long, long>();
            foreach (var w in winners)
            {
                if (!recent.TryGetValue(w.Seller, out var prices)) recent[w.Seller] = prices = new Queue<long>(Last);
                sums.TryGetValue(w.Seller, out long sum);
                if (prices.Count == Last) sum -= prices.Dequeue();
                prices.Enqueue(w.Price);
                sums[w.Seller] = sum += w.Price;
                output.Add(new Q6Out(w.Seller, w.Auction, w.ExpiresTicks, sum / prices.Count));
            }
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            var results = WinningBids.Linq(input)
                .GroupBy(w => w.Seller)
                .SelectMany(g =>
                {
                    var closed = g.OrderBy(w => w.ExpiresTicks).ThenBy(w => w.Auction).ToList();
                    return closed.Select((w, i) => new Q6Out(w.Seller, w.Auction, w.ExpiresTicks, closed.Skip(Math.Max(0, i + 1 - Last)).Take(Math.Min(i + 1, Last)).Sum(x => x.Price) / Math.Min(i + 1, Last)));
                });
            foreach (var r in results) output.Add(r);
        });

        AddStatefulPeers(static () => new Q6Operator());

        AddPipelines(static (p, input, output) =>
            Events(p, input)
                .Where(e => e.Kind != EventKind.Person)
                .KeyBy(WinningBids.AuctionKey)
                .Process(static () => new WinningBidFunction())
                .KeyBy(w => w.Seller)
                .Process(static () => new LastClosedAverageFunction())
                .To(new CollectorSink<Q6Out>(output)));
    }

    public override string Name => "Q6";

    public override string Description => "NEXMark Q6: per seller, on each closed auction, the average winning price of their last 10 closed auctions";
}

/// <summary>
/// Q6's second stage on Pipelines, keyed by seller. Winning bids reach it from several workers of the
/// per-auction stage, so their arrival order is not their closing order: each waits in list state until the
/// watermark reaches its closing time (an event-time timer), and then the closed ones are taken in (expiry,
/// auction id) order into the seller's last 10 prices. (A count window, <c>Windows.Count(10, 1)</c>, follows
/// arrival order, so with two workers its answer could differ from run to run.)
/// </summary>
internal sealed class LastClosedAverageFunction : KeyedProcessFunction<long, WinningBid, Q6Out>
{
    private ListState<WinningBid> _pending = null!;
    private ValueState<long[]> _recent = null!;

    public override void Open(KeyedStateRegistry state)
    {
        _pending = state.List<WinningBid>("pending");
        _recent = state.Value<long[]>("last-prices");
    }

    public override void ProcessElement(WinningBid element, KeyedProcessContext<long, Q6Out> context)
    {
        _pending.Add(element);
        context.RegisterEventTimeTimer(new DateTimeOffset(element.ExpiresTicks, TimeSpan.Zero));
    }

    public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<long, Q6Out> context)
    {
        long now = time.UtcTicks;
        var due = _pending.Items.Where(w => w.ExpiresTicks <= now).OrderBy(w => w.ExpiresTicks).ThenBy(w => w.Auction).ToList();
        _pending.RemoveAll(w => w.ExpiresTicks <= now);
        long[] recent = _recent.GetValueOrDefault([]);
        foreach (var w in due)
        {
            recent = recent.Length < Q6AverageSellingPrice.Last ? [.. recent, w.Price] : [.. recent.AsSpan(1), w.Price];
            context.Emit(new Q6Out(w.Seller, w.Auction, w.ExpiresTicks, Sum(recent) / recent.Length));
        }

        _recent.Value = recent;
    }

    private static long Sum(long[] prices)
    {
        long sum = 0;
        foreach (long price in prices) sum += price;
        return sum;
    }
}

/// <summary>Q6 for the peers: the winning-bids tracker, closing in (expiry, id) order into per-seller rings of the last 10 prices.</summary>
internal sealed class Q6Operator : EventTimeOperator<Q6Out>
{
    private readonly WinningBidTracker _winners = new();
    private readonly Dictionary<long, (Queue<long> Prices, long Sum)> _sellers = [];

    protected override void OnElement(in NexmarkEvent element, long time)
    {
        if (_winners.Add(element) is { } expires) Schedule(expires);
    }

    protected override long Fire(long watermark, List<Q6Out> output) =>
        _winners.Close(watermark, w =>
        {
            if (!_sellers.TryGetValue(w.Seller, out var s)) s = (new Queue<long>(Q6AverageSellingPrice.Last), 0);
            if (s.Prices.Count == Q6AverageSellingPrice.Last) s.Sum -= s.Prices.Dequeue();
            s.Prices.Enqueue(w.Price);
            s.Sum += w.Price;
            _sellers[w.Seller] = s;
            output.Add(new Q6Out(w.Seller, w.Auction, w.ExpiresTicks, s.Sum / s.Prices.Count));
        });
}
