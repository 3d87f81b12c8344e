using Pipelines;

namespace QuickStart;

/// <summary>Part 1: one day of clicks, counted as a batch job by the <see cref="BoundedExecutor"/>.</summary>
public static class BatchDemo
{
    public static async Task RunAsync()
    {
        var day = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var clicks = ClickGenerator.Generate(seed: 42, day, TimeSpan.FromDays(1), count: 300_000, maxDelay: TimeSpan.FromSeconds(3));
        Console.WriteLine($"1. Batch: page views per minute over one day of clicks ({clicks.Count:N0} events, BoundedExecutor)");

        var results = new List<WindowResult<string, long>>();
        var pipeline = ViewCounts.Define(Sources.Enumerable(clicks), Sinks.Collection(results));
        var summary = await new BoundedExecutor().RunAsync(pipeline);

        Console.WriteLine($"   read {summary.ElementsRead:N0} events -> {results.Count:N0} (page, minute) results, {results.Sum(r => r.Value):N0} views in all");
        Console.WriteLine($"   took {summary.Elapsed.TotalMilliseconds:N0} ms: {summary.ElementsRead / summary.Elapsed.TotalSeconds / 1e6:N1} M events/s (first run, JIT warm-up included)");
        Console.WriteLine("   busiest (page, minute):");
        var top = results
            .OrderByDescending(r => r.Value)
            .ThenBy(r => r.Window.Start)
            .ThenBy(r => r.Key, StringComparer.Ordinal)
            .Take(5);
        foreach (var r in top)
        {
            Console.WriteLine($"     {r.Key,-16} {r.Window.Start:HH:mm}  {r.Value,3} views");
        }
    }
}
