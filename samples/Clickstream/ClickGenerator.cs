namespace Clickstream;

/// <summary>
/// Yesterday's traffic, deterministic for a seed: each user visits the shop one to four times; a visit is a walk
/// of 3 to 25 events 10 to 120 s apart through the pages, and some visits end in a purchase. Events are returned
/// in the order the web servers logged them: up to 10 s out of order.
/// </summary>
public static class ClickGenerator
{
    public static readonly DateTimeOffset Day = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan MaxDisorder = TimeSpan.FromSeconds(10);

    private static readonly string[] Pages = ["/home", "/search", "/deals", "/products/shoes", "/products/hats", "/products/bags", "/help", "/account"];

    public static List<ClickEvent> Generate(int seed = 1, int users = 3_000)
    {
        var random = new Random(seed);
        var logged = new List<(DateTimeOffset LoggedAt, ClickEvent Event)>();
        for (int u = 1; u <= users; u++)
        {
            string user = $"u{u:D5}";
            int visits = 1 + random.Next(4);
            var t = Day.AddMinutes(random.Next(60 * 20));
            for (int v = 0; v < visits && t < Day.AddDays(1); v++)
            {
                int steps = 3 + random.Next(23);
                bool buys = random.Next(100) < 18;
                string page = "/home";
                for (int s = 0; s < steps && t < Day.AddDays(1); s++)
                {
                    string kind = s == steps - 1 && buys ? "purchase" : s == steps - 2 && buys ? "cart" : random.Next(100) < 70 ? "view" : "click";
                    if (kind is "cart" or "purchase") page = "/checkout";
                    logged.Add((t.AddMilliseconds(random.Next((int)MaxDisorder.TotalMilliseconds)), new ClickEvent(user, page, kind, t)));
                    page = Pages[random.Next(Pages.Length)];
                    t = t.AddSeconds(10 + random.Next(111));
                }

                t = t.AddMinutes(45 + random.Next(240)); // next visit: longer apart than the session gap
            }
        }

        // OrderBy is stable: equal log times keep generation order, so the file is the same on every run.
        return logged.OrderBy(l => l.LoggedAt).Select(l => l.Event).ToList();
    }
}
