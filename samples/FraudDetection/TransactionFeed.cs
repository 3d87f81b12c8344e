using System.Threading.Channels;

namespace FraudDetection;

/// <summary>
/// A live card-payment feed: two simulated hours (10:00 to 12:00) of 1,000 cards, written into a channel at one
/// simulated minute per 20 ms of wall time. Deterministic for its seed. Payments arrive up to 5 s out of order.
/// Ordinary card holders pay at least 2 minutes apart and at most 300 at a time, so no rule can fire for them;
/// the generator plants card testing (8 tiny payments in 4 minutes) and account takeovers (3 large purchases
/// in 5 minutes) on a few cards. Offline terminals upload their payments 40 minutes late: past the allowed
/// lateness, so they are dropped and reported, not scored.
/// </summary>
public sealed class TransactionFeed
{
    public static readonly DateTimeOffset Start = new(2025, 6, 2, 10, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Length = TimeSpan.FromHours(2);

    /// <summary>Wall time per simulated minute.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(20);

    private static readonly string[] Shops = ["Coop", "Migros", "SBB", "Starbucks", "Manor", "Denner", "Shell", "Kiosk", "Apotheke", "IKEA"];
    private static readonly string[] BigTicketShops = ["Digitec", "Apple Store", "Bucherer", "Interdiscount"];
    private static readonly string[] TestingShops = ["web-shop-17", "web-shop-42", "donate-now", "app-store"];

    private readonly List<(CardTransaction[] Payments, bool IsUpload)> _chunks = [];
    private readonly Random _random;
    private long _nextId;

    public TransactionFeed(int seed = 11, int cards = 1_000)
    {
        _random = new Random(seed);
        var names = Enumerable.Range(1, cards).Select(i => $"4539-{i:D4}").ToArray();
        var planted = PlantPatterns(names);
        Planted = planted;

        var arrivals = new List<(DateTimeOffset Arrival, CardTransaction Payment)>();
        foreach (var card in names)
        {
            var quiet = planted.Where(f => f.Card == card).Select(f => f.Start).ToList();
            for (var t = Start + Exponential(TimeSpan.FromMinutes(18)); t < Start + Length; t += TimeSpan.FromMinutes(2) + Exponential(TimeSpan.FromMinutes(18)))
            {
                // The victim's own payments pause around the fraud, so the fraud alone crosses the thresholds.
                if (quiet.Any(q => (t - q).Duration() < TimeSpan.FromMinutes(15))) continue;
                decimal amount = Math.Round((decimal)Math.Min(300, Math.Exp(3.2 + 0.9 * Gaussian())), 2);
                arrivals.Add(Arrive(new CardTransaction(++_nextId, card, Pick(Shops), amount, t)));
            }
        }

        foreach (var fraud in planted) arrivals.AddRange(PatternPayments(fraud).Select(Arrive));

        var uploads = new List<(DateTimeOffset Arrival, CardTransaction[] Payments)>();
        foreach (int minute in new[] { 15, 45, 75 })
        {
            var from = Start.AddMinutes(minute);
            var offline = Enumerable.Range(0, 8)
                .Select(i => new CardTransaction(++_nextId, Pick(names), "Bus ticket machine", 2.80m + _random.Next(4), from.AddMinutes(i)))
                .ToArray();
            uploads.Add((from.AddMinutes(40), offline));
        }

        OfflineUploads = uploads.SelectMany(u => u.Payments).ToList();
        Chunk(arrivals.OrderBy(a => a.Arrival).ToList(), uploads);
        Count = _chunks.Sum(c => c.Payments.Length);
    }

    /// <summary>The fraud patterns planted, in time order.</summary>
    public IReadOnlyList<PlantedFraud> Planted { get; }

    /// <summary>Payments that arrive 40 minutes after they happened: too late for every window.</summary>
    public IReadOnlyList<CardTransaction> OfflineUploads { get; }

    /// <summary>All payments in the feed.</summary>
    public int Count { get; }

    /// <summary>Writes the feed into <paramref name="channel"/> at its pace, then completes it.</summary>
    public async Task WriteToAsync(Channel<CardTransaction> channel, CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var (payments, isUpload) in _chunks)
            {
                if (isUpload)
                {
                    // A real terminal would not wait. The sample lets the pipeline read what was written so far
                    // (and move its watermark) first, so the uploads are equally late on every run.
                    while (channel.Reader.Count > 0) await Task.Delay(1, cancellationToken);
                    await Task.Delay(20, cancellationToken);
                }

                foreach (var payment in payments) await channel.Writer.WriteAsync(payment, cancellationToken);
                if (!isUpload) await Task.Delay(Pace, cancellationToken);
            }
        }
        finally
        {
            channel.Writer.Complete(); // ends the run: the final watermark fires every open window
        }
    }

    private List<PlantedFraud> PlantPatterns(string[] cards)
    {
        var victims = cards.OrderBy(_ => _random.Next()).Take(8).ToArray();
        var planted = new List<PlantedFraud>();
        for (int i = 0; i < victims.Length; i++)
        {
            var rule = i % 2 == 0 ? FraudRule.Velocity : FraudRule.SpendSpike;
            planted.Add(new PlantedFraud(rule, victims[i], Start.AddMinutes(12 + 13 * i + _random.Next(5)).AddSeconds(_random.Next(60))));
        }

        return planted;
    }

    private IEnumerable<CardTransaction> PatternPayments(PlantedFraud fraud)
    {
        if (fraud.Rule == FraudRule.Velocity)
        {
            for (int i = 0; i < 8; i++)
            {
                yield return new CardTransaction(++_nextId, fraud.Card, Pick(TestingShops), 1m + _random.Next(400) / 100m, fraud.Start.AddSeconds(30 * i + _random.Next(20)));
            }
        }
        else
        {
            for (int i = 0; i < 3; i++)
            {
                yield return new CardTransaction(++_nextId, fraud.Card, Pick(BigTicketShops), 700m + _random.Next(50_000) / 100m, fraud.Start.AddSeconds(150 * i + _random.Next(30)));
            }
        }
    }

    private (DateTimeOffset, CardTransaction) Arrive(CardTransaction payment) => (payment.Time.AddMilliseconds(_random.Next(5_000)), payment);

    /// <summary>One chunk per simulated minute of arrival; each upload goes in where the feed reaches its arrival time.</summary>
    private void Chunk(List<(DateTimeOffset Arrival, CardTransaction Payment)> arrivals, List<(DateTimeOffset Arrival, CardTransaction[] Payments)> uploads)
    {
        var pending = new Queue<(DateTimeOffset Arrival, CardTransaction[] Payments)>(uploads.OrderBy(u => u.Arrival));
        int index = 0;
        for (var minuteEnd = Start.AddMinutes(1); index < arrivals.Count || pending.Count > 0; minuteEnd = minuteEnd.AddMinutes(1))
        {
            var chunk = new List<CardTransaction>();
            while (index < arrivals.Count && arrivals[index].Arrival < minuteEnd) chunk.Add(arrivals[index++].Payment);
            _chunks.Add(([.. chunk], false));
            while (pending.Count > 0 && pending.Peek().Arrival < minuteEnd) _chunks.Add((pending.Dequeue().Payments, true));
        }
    }

    private TimeSpan Exponential(TimeSpan mean) => TimeSpan.FromTicks((long)(-Math.Log(1.0 - _random.NextDouble()) * mean.Ticks));

    private double Gaussian()
    {
        double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
