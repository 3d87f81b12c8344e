// Fraud detection: a live card-payment feed on the StreamingExecutor. Sliding windows per card fire a pane on
// every payment (EarlyResults(1)), so an alert goes out the moment a card crosses a threshold.
// Usage: dotnet run --project samples/FraudDetection
using System.Diagnostics;
using System.Threading.Channels;
using FraudDetection;
using Pipelines;
using Spectre.Console;

var feed = new TransactionFeed();
AnsiConsole.Write(new Rule("[bold]Fraud detection on a live payment feed[/]").LeftJustified());
AnsiConsole.MarkupLine($"Feed: {TransactionFeed.Start:HH:mm}-{TransactionFeed.Start + TransactionFeed.Length:HH:mm} simulated, {feed.Count:N0} payments of 1,000 cards in ~3 s, up to 5 s out of order, plus offline uploads 40 min late.");
AnsiConsole.MarkupLine($"Rules per card over {FraudRules.WindowSize.TotalMinutes:0}-minute windows every {FraudRules.Slide.TotalMinutes:0} minute: [yellow]{FraudRules.VelocityLimit}+ payments[/] or [red]{FraudRules.SpendLimit:N0}+ spent[/]; a pane per payment, watermark = newest - {FraudPipeline.OutOfOrderness.TotalSeconds:0} s, allowed lateness {FraudPipeline.AllowedLateness.TotalMinutes:0} min.");
AnsiConsole.WriteLine();

var clock = Stopwatch.StartNew();
var desk = new AlertDesk(clock);
var tooLate = new List<CardTransaction>();
var channel = Channel.CreateUnbounded<CardTransaction>();
var pipeline = FraudPipeline.Define(Sources.Channel(channel.Reader, "payments"), Sinks.Action<Alert>(desk.Handle, "alert desk"), Sinks.Collection(tooLate));
var run = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(pipeline);
await feed.WriteToAsync(channel);
var summary = await run;

AnsiConsole.WriteLine();
var detected = feed.Planted.Select(f => (Fraud: f, Alert: desk.Raised.FirstOrDefault(a => a.Card == f.Card && a.Rule == f.Rule))).ToList();
var plantedTable = new Table().Border(TableBorder.Rounded).Title("[bold]Planted fraud[/]")
    .AddColumn("Rule").AddColumn("Card").AddColumn("Starts").AddColumn("Flagged on payment at").AddColumn("Detected");
foreach (var (fraud, alert) in detected)
{
    plantedTable.AddRow(fraud.Rule.ToString(), fraud.Card, $"{fraud.Start:HH:mm:ss}", alert is null ? "-" : $"{alert.Trigger.Time:HH:mm:ss}", alert is null ? "[red]missed[/]" : "[green]yes[/]");
}

AnsiConsole.Write(plantedTable);

int falsePositives = desk.Raised.Count(a => !feed.Planted.Any(f => f.Card == a.Card && f.Rule == a.Rule));
bool allDetected = detected.All(d => d.Alert is not null);
bool lateAsExpected = summary.LateElementsDropped == feed.OfflineUploads.Count && tooLate.Count == feed.OfflineUploads.Count;
var summaryTable = new Table().Border(TableBorder.Rounded).Title("[bold]Summary[/]").HideHeaders()
    .AddColumn("").AddColumn(new TableColumn("").RightAligned())
    .AddRow("Payments read", $"{summary.ElementsRead:N0}")
    .AddRow("Alerts raised", $"{desk.Raised.Count} ({desk.Raised.Count(a => a.Rule == FraudRule.Velocity)} velocity, {desk.Raised.Count(a => a.Rule == FraudRule.SpendSpike)} spend spike)")
    .AddRow("Repeat crossings (overlapping windows)", $"{desk.Repeats}")
    .AddRow("Planted patterns detected", $"{detected.Count(d => d.Alert is not null)} of {feed.Planted.Count}")
    .AddRow("False positives", $"{falsePositives}")
    .AddRow("Late drops (offline uploads, not scored)", $"{summary.LateElementsDropped} (latest {tooLate.Max(t => t.Time):HH:mm:ss})")
    .AddRow("Run time", $"{summary.Elapsed.TotalSeconds:0.00} s");
AnsiConsole.Write(summaryTable);

bool ok = allDetected && falsePositives == 0 && lateAsExpected;
AnsiConsole.MarkupLine(ok ? "[green]Every planted pattern flagged, no false alarm, every too-late payment accounted for.[/]" : "[red]Unexpected result: see the tables above.[/]");
return ok ? 0 : 1;
