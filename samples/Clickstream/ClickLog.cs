using Pipelines;
using Pipelines.Files;

namespace Clickstream;

/// <summary>Yesterday's log: JSON Lines files in a folder, written and read with Pipelines.Files.</summary>
public static class ClickLog
{
    /// <summary>The files' names start with the day: <c>clicks-2025-06-01-000001.jsonl</c>.</summary>
    public static string Prefix => $"clicks-{ClickGenerator.Day:yyyy-MM-dd}";

    /// <summary>
    /// Writes the events with a file sink. Run again into the same folder, it replaces the files an earlier run
    /// wrote (<see cref="FileSinkOptions.ReplaceEarlierOutput"/>), so reading <c>clicks-*.jsonl</c> never counts a day twice.
    /// </summary>
    public static async Task WriteAsync(string folder, IReadOnlyList<ClickEvent> events)
    {
        var p = new PipelineBuilder("clickstream-log");
        p.From(Sources.Enumerable(events)).To(FileSinks.JsonLines<ClickEvent>(folder, new FileSinkOptions { FilePrefix = Prefix, ReplaceEarlierOutput = true }));
        await new BoundedExecutor().RunAsync(p.Build());
    }

    /// <summary>The day's files as a bounded source (in file order, to their end), with progress by bytes read.</summary>
    public static Source<ClickEvent> Read(string folder) => FileSources.JsonLines<ClickEvent>(Path.Combine(folder, $"{Prefix}-*.jsonl"));
}
