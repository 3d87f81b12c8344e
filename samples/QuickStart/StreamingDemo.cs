using System.Diagnostics;
using System.Threading.Channels;
using Pipelines;

namespace QuickStart;

/// <summary>
/// Part 2: the same pipeline on the <see cref="StreamingExecutor"/> over a live feed, with late data, then
/// checked against the <see cref="BoundedExecutor"/> on the same events.
/// </summary>
public static class StreamingDemo
{
    private const string ShownPage = "/home";

    /// <returns>Whether streaming and batch agree and exactly the too-late events were dropped.</returns>
    public static async Task<bool> RunAsync()
    {
        var feed = new LiveFeed();
        var options = new StreamingOptions { Parallelism = 2 };
        Console.WriteLine($"2. Streaming: the same pipeline on StreamingExecutor (Parallelism = {options.Parallelism}) over a live channel");
        Console.WriteLine($"   feed: {LiveFeed.Start:HH:mm}-{LiveFeed.Start + LiveFeed.Length:HH:mm} simulated ({feed.All().Count:N0} events, up to 4 s out of order) in ~2 s of wall time;");
        Console.WriteLine("   watermark = newest event time - 5 s, allowed lateness 1 min; an offline phone later uploads old views:");
        Console.WriteLine($"   {feed.LateWithinLateness.Length} within the allowed lateness (Late panes), {feed.TooLate.Length} too late (dropped)");
        Console.WriteLine($"   panes for {ShownPage} as they fire (every page gets them, only one is shown):");

        // Results: every pane as it fires. Panes accumulate, so a (page, window)'s final result is its last pane.
        var final = new Dictionary<(string Page, Window Window), WindowResult<string, long>>();
        var clock = Stopwatch.StartNew();
        var panes = Sinks.Action<WindowResult<string, long>>(pane =>
        {
            if (!final.TryGetValue((pane.Key, pane.Window), out var previous) || pane.PaneIndex > previous.PaneIndex)
            {
                final[(pane.Key, pane.Window)] = pane;
            }

            if (pane.Key == ShownPage)
            {
                Console.WriteLine($"     {clock.Elapsed.TotalSeconds,5:0.00}s  {pane.Key}  {pane.Window.Start:HH:mm}-{pane.Window.End:HH:mm}  {pane.Value,5} views  {pane.Timing,-6}  pane #{pane.PaneIndex}");
            }
        });
        var late = new List<Click>();

        var channel = Channel.CreateUnbounded<Click>();
        var pipeline = ViewCounts.Define(Sources.Channel(channel.Reader), panes, Sinks.Collection(late));
        var run = new StreamingExecutor(options).RunAsync(pipeline);
        var producer = Task.Run(() => feed.WriteToAsync(channel));
        await producer;
        var summary = await run; // the run ends when the producer completes the channel

        Console.WriteLine("   too late (window end + 1 min allowed lateness already behind the watermark), from LateElements():");
        foreach (var click in late.OrderBy(c => c.Time))
        {
            Console.WriteLine($"     {click.Kind} of {click.Page} at {click.Time:HH:mm:ss}");
        }

        Console.WriteLine($"   read {summary.ElementsRead:N0} events in {summary.Elapsed.TotalSeconds:0.00} s -> {final.Count} (page, minute) results; " +
                          $"LateElementsDropped = {summary.LateElementsDropped}");

        // Batch over the same events. Nothing is late in batch, so it would count the too-late views that
        // streaming dropped: leave those out, and every other event must give the same final results.
        var tooLate = feed.TooLate.ToHashSet();
        var batchInput = feed.All().Where(c => !tooLate.Contains(c)).ToList();
        var batch = new List<WindowResult<string, long>>();
        await new BoundedExecutor().RunAsync(ViewCounts.Define(Sources.Enumerable(batchInput), Sinks.Collection(batch)));

        bool sameResults = batch.Count == final.Count
            && batch.All(b => final.TryGetValue((b.Key, b.Window), out var s) && s.Value == b.Value);
        bool droppedExactlyTooLate = late.OrderBy(c => c.Time).SequenceEqual(feed.TooLate.OrderBy(c => c.Time))
            && summary.LateElementsDropped == feed.TooLate.Length;
        Console.WriteLine($"   batch (BoundedExecutor) over the same feed minus the {feed.TooLate.Length} too-late views: {batch.Count} results");
        Console.WriteLine($"   dropped exactly the {feed.TooLate.Length} too-late views: {droppedExactlyTooLate}");
        Console.WriteLine($"   streaming final results == batch results: {sameResults}");
        return sameResults && droppedExactlyTooLate;
    }
}
