// End-of-day report: a generated business day of bank transactions, aggregated per account by the
// BoundedExecutor (a batch job), written as CSV, and reconciled with the ledger's own control totals.
// Usage: dotnet run --project samples/EndOfDayReport [-- <output folder>]
using EndOfDayReport;
using Pipelines;
using Spectre.Console;

var day = new DateOnly(2025, 6, 30);
const int TransactionCount = 3_000_000;
const int AccountCount = 20_000;
string folder = args.Length > 0 ? Path.GetFullPath(args[0]) : Directory.CreateTempSubdirectory("end-of-day-").FullName;

AnsiConsole.Write(new Rule($"[bold]End-of-day report for {day:yyyy-MM-dd}[/]").LeftJustified());
AnsiConsole.MarkupLine($"Generating and booking [bold]{TransactionCount:N0}[/] transactions over [bold]{AccountCount:N0}[/] accounts (seed 2025), aggregated per account by the [green]BoundedExecutor[/].");

var ledger = new LedgerTotals();
var rows = new List<WindowResult<string, AccountDay>>();
var pipeline = EndOfDayPipeline.Define(new TransactionSource(day, TransactionCount, AccountCount, seed: 2025, ledger), Sinks.Collection(rows));

RunSummary summary = null!;
await AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .StartAsync(async ctx =>
    {
        var task = ctx.AddTask("Booking transactions", maxValue: 100);
        var options = new BoundedExecutorOptions { Progress = new SpectreProgress(task), ProgressInterval = TimeSpan.FromMilliseconds(50) };
        summary = await Task.Run(() => new BoundedExecutor(options).RunAsync(pipeline));
        task.Description = $"Booked {summary.ElementsRead:N0} transactions";
        task.Value = task.MaxValue;
        task.StopTask();
    });

string path = await CsvReport.WriteAsync(folder, day, rows);
AnsiConsole.MarkupLine($"Read [bold]{summary.ElementsRead:N0}[/] transactions in {summary.Elapsed.TotalSeconds:0.0} s ({summary.ElementsRead / summary.Elapsed.TotalSeconds / 1e6:0.0} M/s, generation included).");
AnsiConsole.MarkupLine($"Report: [bold]{rows.Count:N0}[/] accounts written to [link]{Markup.Escape(path)}[/]");
AnsiConsole.WriteLine();

var top = new Table().Border(TableBorder.Rounded).Title("[bold]Top 10 accounts by turnover[/]")
    .AddColumn("Account")
    .AddColumn(new TableColumn("Transactions").RightAligned())
    .AddColumn(new TableColumn("Credits").RightAligned())
    .AddColumn(new TableColumn("Debits").RightAligned())
    .AddColumn(new TableColumn("Net").RightAligned())
    .AddColumn(new TableColumn("Largest").RightAligned());
foreach (var row in rows.OrderByDescending(r => r.Value.Turnover).ThenBy(r => r.Key, StringComparer.Ordinal).Take(10))
{
    var d = row.Value;
    string net = d.Net >= 0 ? $"[green]{d.Net:N2}[/]" : $"[red]{d.Net:N2}[/]";
    top.AddRow(row.Key, $"{d.Transactions:N0}", $"{d.CreditTotal:N2}", $"{d.DebitTotal:N2}", net, $"{d.Largest:N2}");
}

AnsiConsole.Write(top);

long reportedCount = rows.Sum(r => (long)r.Value.Transactions);
decimal reportedCredits = rows.Sum(r => r.Value.CreditTotal), reportedDebits = rows.Sum(r => r.Value.DebitTotal);
bool reconciled = reportedCount == ledger.Transactions && reportedCredits == ledger.Credits && reportedDebits == ledger.Debits;
var check = new Table().Border(TableBorder.Rounded).Title("[bold]Reconciliation with the ledger's control totals[/]")
    .AddColumn("")
    .AddColumn(new TableColumn("Ledger").RightAligned())
    .AddColumn(new TableColumn("Report").RightAligned())
    .AddRow("Transactions", $"{ledger.Transactions:N0}", $"{reportedCount:N0}")
    .AddRow("Credits", $"{ledger.Credits:N2}", $"{reportedCredits:N2}")
    .AddRow("Debits", $"{ledger.Debits:N2}", $"{reportedDebits:N2}");
AnsiConsole.Write(check);
AnsiConsole.MarkupLine(reconciled ? "[green]Reconciled: every transaction is in the report.[/]" : "[red]NOT reconciled: the report and the ledger differ.[/]");
return reconciled ? 0 : 1;
