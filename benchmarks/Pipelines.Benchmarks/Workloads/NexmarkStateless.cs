using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Q0: passthrough of every (timestamped) event: the cost of the plumbing alone.</summary>
public sealed class Q0Passthrough : NexmarkWorkload<NexmarkEvent>
{
    public Q0Passthrough()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            foreach (ref readonly var e in input.AsSpan()) output.Add(e);
        });
        AddStatelessPeers(static e => true, static e => e);
        AddPipelines(static (p, input, output) => Events(p, input).To(new CollectorSink<NexmarkEvent>(output)));
    }

    public override string Name => "Q0";

    public override string Description => "NEXMark Q0: passthrough of every event (with event time)";
}

/// <summary>Result of Q1: a bid with its price in euros.</summary>
public readonly record struct Q1Out(long Auction, long Bidder, long PriceEuro, long TimeTicks) : IResult<Q1Out>
{
    public ulong Hash() => Hashing.Combine((ulong)Auction, (ulong)Bidder, (ulong)PriceEuro, (ulong)TimeTicks);

    public int CompareTo(Q1Out other)
    {
        int c = TimeTicks.CompareTo(other.TimeTicks);
        if (c == 0) c = Auction.CompareTo(other.Auction);
        if (c == 0) c = Bidder.CompareTo(other.Bidder);
        return c != 0 ? c : PriceEuro.CompareTo(other.PriceEuro);
    }
}

/// <summary>Q1: currency conversion of every bid (price × 89 / 100, as Beam's Query1).</summary>
public sealed class Q1CurrencyMap : NexmarkWorkload<Q1Out>
{
    public Q1CurrencyMap()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind == EventKind.Bid) output.Add(Convert(e.Bid));
            }
        });
        AddStatelessPeers(static e => e.Kind == EventKind.Bid, static e => Convert(e.Bid));
        AddPipelines(static (p, input, output) => Bids(p, input).Select((in b) => Convert(b)).To(new CollectorSink<Q1Out>(output)));
    }

    public override string Name => "Q1";

    public override string Description => "NEXMark Q1: every bid with its price converted to euros (× 89 / 100)";

    private static Q1Out Convert(Bid b) => new(b.Auction, b.Bidder, b.Price * 89 / 100, b.DateTime.UtcTicks);
}

/// <summary>Result of Q2: (auction, price).</summary>
public readonly record struct Q2Out(long Auction, long Price) : IResult<Q2Out>
{
    public ulong Hash() => Hashing.Combine((ulong)Auction, (ulong)Price);

    public int CompareTo(Q2Out other)
    {
        int c = Auction.CompareTo(other.Auction);
        return c != 0 ? c : Price.CompareTo(other.Price);
    }
}

/// <summary>Q2: selection of the bids on every 123rd auction (Beam's auctionSkip), projected to (auction, price).</summary>
public sealed class Q2Filter : NexmarkWorkload<Q2Out>
{
    private const long AuctionSkip = 123;

    public Q2Filter()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind == EventKind.Bid && e.Bid.Auction % AuctionSkip == 0) output.Add(new Q2Out(e.Bid.Auction, e.Bid.Price));
            }
        });
        AddStatelessPeers(static e => e.Kind == EventKind.Bid && e.Bid.Auction % AuctionSkip == 0, static e => new Q2Out(e.Bid.Auction, e.Bid.Price));
        AddPipelines(static (p, input, output) =>
            Bids(p, input).Where((in b) => b.Auction % AuctionSkip == 0).Select((in b) => new Q2Out(b.Auction, b.Price)).To(new CollectorSink<Q2Out>(output)));
    }

    public override string Name => "Q2";

    public override string Description => "NEXMark Q2: bids on auctions whose id is a multiple of 123, as (auction, price)";
}
