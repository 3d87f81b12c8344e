using System.Text;
using Pipelines;
using Pipelines.Cli;
using Pipelines.Sql;
using Spectre.Console;

// pipelines sql FILE.sql | -e "…" [--format table|csv|jsonl] [--output PATH] [--mode auto|batch|streaming]
// Exit codes: 0 done, 1 command line or file error, 2 the SQL cannot run, 3 the run failed on its data, 130 stopped by Ctrl+C before the end.
var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
CliOptions options;
try
{
    options = CliOptions.Parse(args);
}
catch (CliUsageException usage)
{
    if (usage.ShowUsageOnly)
    {
        Console.Out.WriteLine(usage.Message);
        return 0;
    }
    Fail(error, $"{usage.Message} Run 'pipelines --help' for the options.");
    return 1;
}

using var stop = new CancellationTokenSource();
const string Stopping = "[grey]stopping: a stream's open windows fire, then the run ends; a batch run stops where it is (Ctrl+C again to quit at once)…[/]";
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the run (a stream drains); a second one, while a drain hangs, ends the process.
    if (stop.IsCancellationRequested) return;
    e.Cancel = true;
    if (!options.Quiet) error.MarkupLine(Stopping);
    stop.Cancel();
};

// SIGTERM (docker stop, systemd, timeout) stops the run as Ctrl+C does, so a stream's open windows reach the output.
using var terminate = OperatingSystem.IsWindows() ? null : System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
{
    if (stop.IsCancellationRequested) return;
    signal.Cancel = true;
    if (!options.Quiet) error.MarkupLine(Stopping);
    stop.Cancel();
});

TextWriter output;
try
{
    output = options.OutputPath is null
        ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false }
        : OpenOnFirstWrite.Checked(Path.GetFullPath(options.OutputPath));
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
{
    Fail(error, $"cannot write to '{options.OutputPath}': {ex.Message}");
    return 1;
}

var stdout = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
using var writer = new ResultWriter(output, options.Format, stdout);
using var flushing = new CancellationTokenSource();
// Text rows reach the output within a fifth of a second of their emission, not when the writer's buffer fills: a
// stream's rare alerts are seen when they happen.
// Whether the script ran (to its end, to a failure on its data, or to a stop): only then is an earlier output file replaced.
bool ran = false;
var flusher = options.Format == OutputFormat.Table ? Task.CompletedTask : FlushEveryAsync(writer, TimeSpan.FromMilliseconds(200), flushing.Token);
try
{
    SqlRunResult result;
    var runOptions = new SqlRunOptions
    {
        Mode = options.Mode,
        BaseDirectory = options.BaseDirectory,
        CollectRows = false,
        OnRow = writer.Write,
    };
    if (options.Quiet || !error.Profile.Capabilities.Interactive)
    {
        result = await SqlRunner.RunAsync(options.Script, runOptions, stop.Token);
    }
    else
    {
        result = null!;
        await error.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"running {Markup.Escape(options.ScriptName)}", maxValue: 1.0);
                task.IsIndeterminate = true;
                var progress = new Progress<RunProgress>(p =>
                {
                    task.Description = $"{p.ElementsRead:N0} rows read";
                    if (p.Fraction is double fraction)
                    {
                        task.IsIndeterminate = false;
                        task.Value = fraction;
                    }
                });
                result = await SqlRunner.RunAsync(options.Script, new SqlRunOptions
                {
                    Mode = runOptions.Mode,
                    BaseDirectory = runOptions.BaseDirectory,
                    CollectRows = false,
                    OnRow = runOptions.OnRow,
                    Progress = progress,
                }, stop.Token);
                task.Value = 1.0;
            });
    }
    foreach (var message in result.Messages)
    {
        if (message.StartsWith("== SQL plan ==", StringComparison.Ordinal))
        {
            // EXPLAIN: the plan is the answer, on stdout in table format; csv and jsonl keep stdout for rows.
            if (options.Format == OutputFormat.Table) stdout.WriteLine(message);
            else error.WriteLine(message);
        }
        else if (!options.Quiet)
        {
            error.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
        }
    }
    ran = true;
    writer.Finish(result.Results);
    if (!options.Quiet && result.Summary is { } summary)
    {
        error.MarkupLine($"[grey]{(result.Streaming ? "stream" : "batch")}: {summary.ElementsRead:N0} rows read, {summary.ResultsWritten:N0} written in {summary.Elapsed.TotalSeconds:N2} s{(summary.LateElementsDropped > 0 ? $", {summary.LateElementsDropped:N0} late rows dropped" : string.Empty)}[/]");
    }
    return 0;
}
catch (SqlException ex)
{
    Fail(error, $"{options.ScriptName}: {ex.Message}");
    return 2;
}
catch (PipelineExecutionException ex)
{
    ran = true;
    Fail(error, $"the run failed: {Describe(ex)}");
    return 3;
}
catch (OperationCanceledException)
{
    ran = true;
    writer.Finish([]); // the rows collected so far (table format) are still shown
    Fail(error, "stopped before the end.");
    return 130;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
{
    Fail(error, Describe(ex));
    return 1;
}
finally
{
    flushing.Cancel();
    await flusher;
    if (ran && output is OpenOnFirstWrite file) file.Open();
}

static async Task FlushEveryAsync(ResultWriter writer, TimeSpan period, CancellationToken token)
{
    using var timer = new PeriodicTimer(period);
    try
    {
        while (await timer.WaitForNextTickAsync(token)) writer.FlushWritten();
    }
    catch (OperationCanceledException) when (token.IsCancellationRequested)
    {
        // The run ended: Finish flushed what was left.
    }
    catch (IOException)
    {
        // The output is gone (a closed pipe): the run's next row fails on it and says so.
    }
}

// Plain text, not wrapped: one paragraph that scripts and people can read.
static void Fail(IAnsiConsole console, string message)
{
    _ = console;
    Console.Error.WriteLine($"error: {message}");
}

// The message of the error and its causes, in one paragraph, without the advice meant for code.
static string Describe(Exception ex)
{
    var parts = new List<string>();
    for (var e = ex; e is not null; e = e.InnerException)
    {
        string text = e.Message.Split(" Fix the function,", StringSplitOptions.None)[0].Trim();
        if (!parts.Any(p => p.Contains(text, StringComparison.Ordinal))) parts.Add(text);
    }
    return string.Join(" ← ", parts);
}
