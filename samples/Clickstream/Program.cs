// Clickstream: one pipeline over yesterday's log file (a bounded source, BoundedExecutor) and over the same
// events as a live feed (a channel, StreamingExecutor), with the final results compared.
// Usage: dotnet run --project samples/Clickstream [-- <folder for the log files>]
using System.Threading.Channels;
using Clickstream;
using Pipelines;
using Spectre.Console;

string folder = args.Length > 0 ? Path.GetFullPath(args[0]) : Directory.CreateTempSubdirectory("clickstream-").FullName;
Directory.CreateDirectory(folder);

AnsiConsole.Write(new Rule("[bold]Clickstream: yesterday's file and the live feed, one pipeline[/]").LeftJustified());
var events = ClickGenerator.Generate();
await ClickLog.WriteAsync(folder, events);
var files = Directory.GetFiles(folder, $"{ClickLog.Prefix}-*.jsonl");
AnsiConsole.MarkupLine($"Yesterday's log: {events.Count:N0} events of 3,000 users, up to {ClickGenerator.MaxDisorder.TotalSeconds:0} s out of order, written by a Pipelines.Files sink to [link]{Markup.Escape(folder)}[/] ({files.Length} file(s), {files.Sum(f => new FileInfo(f).Length) / 1024:N0} KiB)");
AnsiConsole.MarkupLine($"Pipeline: visits per user (session windows, {ClickstreamPipeline.VisitGap.TotalMinutes:0} min gap) and page views per hour (tumbling windows).");
AnsiConsole.WriteLine();

// 1. Batch: the files as a bounded source (Pipelines.Files).
var fileVisits = new FinalResults<string, Visit>();
var fileViews = new FinalResults<string, long>();
var batchPipeline = ClickstreamPipeline.Define(ClickLog.Read(folder), fileVisits.Sink("visits"), fileViews.Sink("hourly views"));
RunSummary batch = null!;
await AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .StartAsync(async ctx =>
    {
        var task = ctx.AddTask("1. File, BoundedExecutor", maxValue: 1.0);
        var progress = new ProgressTaskReporter(task);
        batch = await Task.Run(() => new BoundedExecutor(new BoundedExecutorOptions { Progress = progress }).RunAsync(batchPipeline));
        task.Value = task.MaxValue;
    });
AnsiConsole.MarkupLine($"1. File, BoundedExecutor: read {batch.ElementsRead:N0} events in {batch.Elapsed.TotalSeconds:0.00} s");

// 2. Streaming: the same events, live, on a channel.
var liveVisits = new FinalResults<string, Visit>();
var liveViews = new FinalResults<string, long>();
var channel = Channel.CreateUnbounded<ClickEvent>();
var livePipeline = ClickstreamPipeline.Define(Sources.Channel(channel.Reader, "live clicks"), liveVisits.Sink("visits"), liveViews.Sink("hourly views"));
RunSummary live = null!;
await AnsiConsole.Status().StartAsync("2. Live feed, StreamingExecutor", async ctx =>
{
    var run = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).Start(livePipeline);
    var producer = LiveFeed.WriteToAsync(events, channel.Writer);
    while (AnsiConsole.Profile.Capabilities.Interactive && !run.Completion.IsCompleted)
    {
        ctx.Status($"2. Live feed, StreamingExecutor: {run.ElementsRead:N0} of {events.Count:N0} events");
        await Task.WhenAny(run.Completion, Task.Delay(100));
    }

    await producer;
    live = await run.Completion;
});
AnsiConsole.MarkupLine($"2. Live feed, StreamingExecutor (Parallelism = 2): read {live.ElementsRead:N0} events in {live.Elapsed.TotalSeconds:0.00} s, {live.LateElementsDropped} late");
AnsiConsole.WriteLine();

// 3. The final result of every (key, window) must be the same.
bool sameVisits = fileVisits.SameAs(liveVisits), sameViews = fileViews.SameAs(liveViews);
var compare = new Table().Border(TableBorder.Rounded).Title("[bold]File vs live: final result per (key, window)[/]")
    .AddColumn("Output")
    .AddColumn(new TableColumn("File (batch)").RightAligned())
    .AddColumn(new TableColumn("Live (streaming)").RightAligned())
    .AddColumn("Identical")
    .AddRow("Visits per user", $"{fileVisits.Results.Count:N0}", $"{liveVisits.Results.Count:N0}", Verdict(sameVisits))
    .AddRow("Page views per hour", $"{fileViews.Results.Count:N0}", $"{liveViews.Results.Count:N0}", Verdict(sameViews));
AnsiConsole.Write(compare);

var visits = fileVisits.Results.Select(r => r.Value).ToList();
var insights = new Table().Border(TableBorder.Rounded).Title("[bold]Yesterday in numbers[/]").HideHeaders()
    .AddColumn("").AddColumn(new TableColumn("").RightAligned())
    .AddRow("Visits", $"{visits.Count:N0} by {fileVisits.Results.Select(r => r.Key).Distinct().Count():N0} users")
    .AddRow("Events per visit", $"{visits.Average(v => v.Events):0.0}")
    .AddRow("Visits ending in a purchase", $"{visits.Count(v => v.Purchased) * 100.0 / visits.Count:0.0}%")
    .AddRow("Longest visit", $"{fileVisits.Results.Max(r => r.Window.Size - ClickstreamPipeline.VisitGap).TotalMinutes:0} min");
foreach (var page in fileViews.Results.GroupBy(r => r.Key).Select(g => (Page: g.Key, Views: g.Sum(r => r.Value), Peak: g.MaxBy(r => r.Value))).OrderByDescending(p => p.Views).Take(3))
{
    insights.AddRow($"Views of {page.Page}", $"{page.Views:N0} (busiest hour {page.Peak.Window.Start:HH:mm}, {page.Peak.Value:N0})");
}

AnsiConsole.Write(insights);
bool ok = sameVisits && sameViews && live.LateElementsDropped == 0;
AnsiConsole.MarkupLine(ok ? "[green]The live run ended with exactly the file's results.[/]" : "[red]The live results differ from the file's.[/]");
return ok ? 0 : 1;

static string Verdict(bool same) => same ? "[green]yes[/]" : "[red]no[/]";
