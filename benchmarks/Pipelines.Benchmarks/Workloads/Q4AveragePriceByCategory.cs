using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of Q4: how many of a category's closed auctions had a winner, and their average winning price.</summary>
public readonly record struct Q4Out(long Category, long Auctions, double AveragePrice) : IResult<Q4Out>
{
    public ulong Hash() => Hashing.Combine((ulong)Category, (ulong)Auctions, (ulong)BitConverter.DoubleToInt64Bits(AveragePrice));

    public int CompareTo(Q4Out other)
    {
        int c = Category.CompareTo(other.Category);
        if (c == 0) c = Auctions.CompareTo(other.Auctions);
        return c != 0 ? c : AveragePrice.CompareTo(other.AveragePrice);
    }
}

/// <summary>
/// Q4: average price for a category — the winning bid of every closed auction (<see cref="WinningBids"/>), then
/// the number of winners and their average price per category over all of them (nexmark/nexmark's SQL: an average over the whole
/// stream; Beam averages over sliding windows instead). Prices are whole cents, so every contender's sum is exact
/// and the averages are equal to the last bit.
/// </summary>
public sealed class Q4AveragePriceByCategory : NexmarkWorkload<Q4Out>
{
    public Q4AveragePriceByCategory()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            var sums = new Dictionary<long, (long Sum, long Count)>();
            foreach (var w in WinningBids.Compute(input))
            {
                sums.TryGetValue(w.Category, out var s);
                sums[w.Category] = (s.Sum + w.Price, s.Count + 1);
            }

            foreach (var (category, s) in sums) output.Add(new Q4Out(category, s.Count, (double)s.Sum / s.Count));
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            foreach (var g in WinningBids.Linq(input).GroupBy(w => w.Category)) output.Add(new Q4Out(g.Key, g.LongCount(), Average(g)));
        });

        AddStatefulPeers(static () => new Q4Operator());

        AddPipelines(static (p, input, output) =>
            Events(p, input)
                .Where(e => e.Kind != EventKind.Person)
                .KeyBy(WinningBids.AuctionKey)
                .Process(static () => new WinningBidFunction())
                .KeyBy(w => w.Category)
                .Window(Windows.Global())
                .Aggregate(Aggregations.Count<WinningBid>(), Aggregations.Average<WinningBid, long>(w => w.Price))
                .To(new MappingCollectorSink<WindowResult<long, (long, double)>, Q4Out>(output, r => new Q4Out(r.Key, r.Value.Item1, r.Value.Item2))));
    }

    public override string Name => "Q4";

    public override string Description => "NEXMark Q4: average winning price (and count of winners) per category over all closed auctions";

    /// <summary>Sum in whole cents, then one division (as every contender does).</summary>
    internal static double Average(IEnumerable<WinningBid> bids)
    {
        long sum = 0, count = 0;
        foreach (var w in bids)
        {
            sum += w.Price;
            count++;
        }

        return (double)sum / count;
    }
}

/// <summary>Q4 for the peers: the winning-bids tracker, then a running sum and count per category, emitted at end of input.</summary>
internal sealed class Q4Operator : EventTimeOperator<Q4Out>
{
    private readonly WinningBidTracker _winners = new();
    private readonly Dictionary<long, (long Sum, long Count)> _categories = [];

    protected override void OnElement(in NexmarkEvent element, long time)
    {
        if (_winners.Add(element) is { } expires) Schedule(expires);
    }

    protected override long Fire(long watermark, List<Q4Out> output)
    {
        long next = _winners.Close(watermark, w =>
        {
            _categories.TryGetValue(w.Category, out var s);
            _categories[w.Category] = (s.Sum + w.Price, s.Count + 1);
        });
        if (watermark == long.MaxValue)
        {
            foreach (var (category, s) in _categories) output.Add(new Q4Out(category, s.Count, (double)s.Sum / s.Count));
        }

        return next;
    }
}
