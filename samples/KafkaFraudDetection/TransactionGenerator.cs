namespace KafkaFraudDetection;

/// <summary>
/// Deterministic traffic: ordinary payments of 40 cards over half an hour (a few seconds out of order), plus
/// planted bursts — one card paying six large amounts within one minute — that the rule must find.
/// </summary>
public static class TransactionGenerator
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private const string ClockMerchant = "clock";

    /// <summary>
    /// A record that only moves time on: the feed's clock, sent to one partition after the payments, so that every
    /// partition's watermark passes the last minute and every window fires. It has no card and is not a payment.
    /// </summary>
    public static Transaction Clock(int partition, DateTimeOffset time) => new($"clock-{partition}", "", 0m, ClockMerchant, time);

    /// <summary>True for the feed's clock records (<see cref="Clock"/>).</summary>
    public static bool IsClock(Transaction transaction) => transaction.Merchant == ClockMerchant && transaction.Card.Length == 0;

    public static (List<Transaction> Transactions, HashSet<(string Card, DateTimeOffset Minute)> Planted) Generate(int ordinary, int bursts, int seed = 7)
    {
        var random = new Random(seed);
        var transactions = new List<Transaction>(ordinary + bursts * 6);
        string[] merchants = ["grocer", "fuel", "cafe", "books", "pharmacy", "transit"];
        var span = TimeSpan.FromMinutes(30);
        for (int i = 0; i < ordinary; i++)
        {
            var time = Start + span * i / ordinary + TimeSpan.FromSeconds(random.Next(-3, 4));
            transactions.Add(new Transaction($"t{i}", $"card{random.Next(40):00}", Math.Round((decimal)(5 + random.NextDouble() * 145), 2), merchants[random.Next(merchants.Length)], time));
        }

        var planted = new HashSet<(string, DateTimeOffset)>();
        for (int b = 0; b < bursts; b++)
        {
            string card = $"card{random.Next(40):00}";
            var minute = Start.AddMinutes(2 + b * 4);
            planted.Add((card, minute));
            for (int k = 0; k < 6; k++)
            {
                // Each payment goes where its time puts it in the feed, so it is no more out of order than the rest.
                var payment = new Transaction($"f{b}-{k}", card, 400 + random.Next(500), "electronics", minute.AddSeconds(5 + k * 8));
                int at = transactions.FindIndex(t => t.Time > payment.Time);
                transactions.Insert(at < 0 ? transactions.Count : at, payment);
            }
        }

        return (transactions, planted);
    }
}
