namespace QuickStart;

/// <summary>
/// Makes deterministic, realistic-looking clickstream data: the same seed gives the same events on every run.
/// Traffic peaks around lunch and in the evening; a few pages get most of it; most events are views.
/// </summary>
public static class ClickGenerator
{
    private static readonly (string Page, int Weight)[] Pages =
    [
        ("/home", 30), ("/search", 18), ("/deals", 12), ("/products/shoes", 10), ("/products/hats", 8),
        ("/products/bags", 7), ("/cart", 6), ("/checkout", 4), ("/account", 3), ("/help", 2),
    ];

    /// <summary>
    /// <paramref name="count"/> events that happened in <c>[start, start + duration)</c>, in the order they
    /// <em>arrive</em>: each arrives up to <paramref name="maxDelay"/> after it happened, so the sequence is out of
    /// order by at most that much (never more, so it stays within a watermark bound larger than the delay).
    /// </summary>
    public static List<Click> Generate(int seed, DateTimeOffset start, TimeSpan duration, int count, TimeSpan maxDelay)
    {
        var random = new Random(seed);
        var events = new List<(long ArrivalMs, Click Click)>(count);
        long durationMs = (long)duration.TotalMilliseconds;
        int totalWeight = Pages.Sum(p => p.Weight);
        while (events.Count < count)
        {
            var time = start.AddMilliseconds(random.NextInt64(durationMs));
            if (random.NextDouble() > Activity(time)) continue;

            var click = new Click($"user{random.Next(10_000):D4}", PickPage(random.Next(totalWeight)), PickKind(random.Next(100)), time);
            long arrivalMs = (long)(time - start).TotalMilliseconds + random.NextInt64((long)maxDelay.TotalMilliseconds);
            events.Add((arrivalMs, click));
        }

        // OrderBy is stable, so equal arrival times keep generation order: deterministic.
        return events.OrderBy(e => e.ArrivalMs).Select(e => e.Click).ToList();
    }

    /// <summary>How busy the site is at a time of day, from 0.1 (night) to 1 (evening peak).</summary>
    private static double Activity(DateTimeOffset time)
    {
        double hour = time.TimeOfDay.TotalHours;
        double lunch = 0.5 * Math.Exp(-Math.Pow((hour - 12.5) / 1.5, 2));
        double evening = 0.9 * Math.Exp(-Math.Pow((hour - 20.5) / 2.5, 2));
        return Math.Min(1, 0.1 + lunch + evening);
    }

    private static string PickPage(int ticket)
    {
        foreach (var (page, weight) in Pages)
        {
            if (ticket < weight) return page;
            ticket -= weight;
        }

        throw new ArgumentOutOfRangeException(nameof(ticket));
    }

    private static string PickKind(int percent) => percent switch
    {
        < 80 => "view",
        < 97 => "click",
        _ => "purchase",
    };
}
