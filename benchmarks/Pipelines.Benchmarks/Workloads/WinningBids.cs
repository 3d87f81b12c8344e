using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pipelines.Benchmarks.Data;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>The winning bid of a closed auction: what Q4 and Q6 aggregate.</summary>
/// <param name="Auction">The auction id.</param>
/// <param name="Seller">Its seller.</param>
/// <param name="Category">Its category.</param>
/// <param name="ExpiresTicks">When it closed (UTC ticks).</param>
/// <param name="Price">The winning price.</param>
public readonly record struct WinningBid(long Auction, long Seller, long Category, long ExpiresTicks, long Price);

/// <summary>
/// The 'winning bids' core of Q4 and Q6, as Beam's WinningBids defines it: a bid counts for an auction when it was
/// made during the auction's life, [auction.DateTime, auction.Expires), and its price is at least the reserve; the
/// auction's winning price is the highest such bid; an auction without one has no winner. (nexmark/nexmark's SQL
/// takes BETWEEN dateTime AND expires and no reserve; Beam's window and reserve rule are used here.) An auction
/// closes when event time reaches its expiry.
/// </summary>
internal static class WinningBids
{
    /// <summary>Whether <paramref name="bid"/> counts for <paramref name="auction"/>.</summary>
    public static bool Counts(Auction auction, in Bid bid) =>
        bid.Price >= auction.Reserve && bid.DateTime >= auction.DateTime && bid.DateTime < auction.Expires;

    /// <summary>The winning bid record of an auction that closed with <paramref name="price"/>.</summary>
    public static WinningBid Of(Auction auction, long price) =>
        new(auction.Id, auction.Seller, auction.Category, auction.Expires.UtcTicks, price);

    /// <summary>The hand loop's winning bids: every auction, then every bid (one lookup each), over the whole input.</summary>
    public static List<WinningBid> Compute(NexmarkEvent[] input)
    {
        var auctions = new Dictionary<long, (Auction Auction, long Best, bool HasBest)>();
        foreach (ref readonly var e in input.AsSpan())
        {
            if (e.Kind == EventKind.Auction) auctions.Add(e.Auction!.Id, (e.Auction, 0, false));
        }

        foreach (ref readonly var e in input.AsSpan())
        {
            if (e.Kind != EventKind.Bid) continue;
            ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(auctions, e.Bid.Auction);
            if (Unsafe.IsNullRef(ref state) || !Counts(state.Auction, e.Bid)) continue;
            if (!state.HasBest || e.Bid.Price > state.Best) state = (state.Auction, e.Bid.Price, true);
        }

        var winners = new List<WinningBid>();
        foreach (var (_, state) in auctions)
        {
            if (state.HasBest) winners.Add(Of(state.Auction, state.Best));
        }

        return winners;
    }

    /// <summary>The same with LINQ: a join of bids with auctions, filtered, then the highest price per auction.</summary>
    public static IEnumerable<WinningBid> Linq(NexmarkEvent[] input) =>
        input.Where(e => e.Kind == EventKind.Bid)
            .Join(input.Where(e => e.Kind == EventKind.Auction), b => b.Bid.Auction, a => a.Auction!.Id, (b, a) => (Auction: a.Auction!, b.Bid))
            .Where(x => Counts(x.Auction, x.Bid))
            .GroupBy(x => x.Auction, x => x.Bid.Price)
            .Select(g => Of(g.Key, g.Max()));

    /// <summary>The key of an auction or bid event for the per-auction stage: the auction id.</summary>
    public static long AuctionKey(NexmarkEvent e) => e.Kind == EventKind.Auction ? e.Auction!.Id : e.Bid.Auction;
}

/// <summary>
/// The winning-bids stage on Pipelines, as a user writes it: keyed by auction id over auctions and bids, a
/// <see cref="KeyedProcessFunction{TKey,TIn,TResult}"/> keeps the auction and its best price so far, and an
/// event-time timer at the auction's expiry emits the winner (with the expiry as its event time). Bids that arrive
/// before their auction (the auction is out of order) wait in list state until it comes, or until the watermark
/// passes them (then no auction can start at or before them any more, so they cannot count).
/// </summary>
internal sealed class WinningBidFunction : KeyedProcessFunction<long, NexmarkEvent, WinningBid>
{
    private ValueState<Auction> _auction = null!;
    private ValueState<long> _best = null!;
    private ListState<Bid> _early = null!;

    public override void Open(KeyedStateRegistry state)
    {
        _auction = state.Value<Auction>("auction");
        _best = state.Value<long>("best-price");
        _early = state.List<Bid>("early-bids");
    }

    public override void ProcessElement(NexmarkEvent element, KeyedProcessContext<long, WinningBid> context)
    {
        if (element.Kind == EventKind.Auction)
        {
            var auction = element.Auction!;
            _auction.Value = auction;
            context.RegisterEventTimeTimer(auction.Expires);
            foreach (var bid in _early.Items) Offer(auction, bid);
            _early.Clear();
        }
        else if (_auction.HasValue)
        {
            Offer(_auction.Value, element.Bid);
        }
        else
        {
            _early.Add(element.Bid);
            context.RegisterEventTimeTimer(element.Bid.DateTime);
        }
    }

    public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<long, WinningBid> context)
    {
        if (_auction.HasValue && _auction.Value.Expires == time)
        {
            if (_best.HasValue) context.Emit(WinningBids.Of(_auction.Value, _best.Value));
            _auction.Clear();
            _best.Clear();
        }
        else if (!_auction.HasValue)
        {
            _early.RemoveAll(b => b.DateTime <= time);
        }
    }

    private void Offer(Auction auction, in Bid bid)
    {
        if (!WinningBids.Counts(auction, bid)) return;
        if (!_best.HasValue || bid.Price > _best.Value) _best.Value = bid.Price;
    }
}

/// <summary>
/// The winning-bids core for the peers (arrival order, the shared bounded-out-of-orderness watermark): open auctions
/// with their best price, bids waiting for their auction, and the auctions' expiries in a timer queue, closed in
/// (expiry, auction id) order.
/// </summary>
internal sealed class WinningBidTracker
{
    private readonly Dictionary<long, (Auction Auction, long Best, bool HasBest)> _open = [];
    private readonly Dictionary<long, List<Bid>> _early = [];
    private readonly PriorityQueue<long, (long Expires, long Auction)> _expiries = new();

    /// <summary>Takes an auction or a bid; returns an expiry to schedule, or null.</summary>
    public long? Add(in NexmarkEvent element)
    {
        if (element.Kind == EventKind.Auction)
        {
            var auction = element.Auction!;
            (Auction Auction, long Best, bool HasBest) state = (auction, 0, false);
            if (_early.Remove(auction.Id, out var early))
            {
                foreach (var bid in early) Offer(ref state, bid);
            }

            _open.Add(auction.Id, state);
            _expiries.Enqueue(auction.Id, (auction.Expires.UtcTicks, auction.Id));
            return auction.Expires.UtcTicks;
        }

        if (element.Kind == EventKind.Bid)
        {
            ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(_open, element.Bid.Auction);
            if (!Unsafe.IsNullRef(ref state))
            {
                Offer(ref state, element.Bid);
            }
            else
            {
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_early, element.Bid.Auction, out _);
                (list ??= []).Add(element.Bid);
            }
        }

        return null;
    }

    /// <summary>Closes the auctions that expire at or before <paramref name="watermark"/>, in (expiry, id) order; returns the next expiry (or long.MaxValue).</summary>
    public long Close(long watermark, Action<WinningBid> winner)
    {
        while (_expiries.TryPeek(out long id, out var due) && due.Expires <= watermark)
        {
            _expiries.Dequeue();
            if (_open.Remove(id, out var state) && state.HasBest) winner(WinningBids.Of(state.Auction, state.Best));
        }

        // Early bids the watermark passed can no longer meet an auction that started at or before them.
        if (_early.Count > 0)
        {
            List<long>? empty = null;
            foreach (var (auction, bids) in _early)
            {
                bids.RemoveAll(b => b.DateTime.UtcTicks <= watermark);
                if (bids.Count == 0) (empty ??= []).Add(auction);
            }

            if (empty is not null)
            {
                foreach (long auction in empty) _early.Remove(auction);
            }
        }

        return _expiries.TryPeek(out _, out var next) ? next.Expires : long.MaxValue;
    }

    private static void Offer(ref (Auction Auction, long Best, bool HasBest) state, in Bid bid)
    {
        if (!WinningBids.Counts(state.Auction, bid)) return;
        if (!state.HasBest || bid.Price > state.Best) state = (state.Auction, bid.Price, true);
    }
}
