using System.Threading.Channels;
using Pipelines;
using Spectre.Console;

namespace SensorMaintenance;

/// <summary>The pipeline on a <see cref="StreamingExecutor"/> created right here, over the live feed.</summary>
public static class DirectMode
{
    public static async Task<int> RunAsync()
    {
        var feed = new SensorFeed();
        Header(feed, "StreamingExecutor, Parallelism = 2");

        var board = new MaintenanceBoard();
        var channel = Channel.CreateUnbounded<SensorReading>();
        var p = new PipelineBuilder(SensorPipeline.Name);
        SensorPipeline.Define(p, Sources.Channel(channel.Reader, "sensors"), board);
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build());
        await feed.WriteToAsync(channel.Writer);
        var summary = await run;

        AnsiConsole.MarkupLine($"Read {summary.ElementsRead:N0} readings in {summary.Elapsed.TotalSeconds:0.0} s; {summary.LateElementsDropped} late.");
        return Finish(board, feed);
    }

    public static void Header(SensorFeed feed, string how)
    {
        AnsiConsole.Write(new Rule($"[bold]Predictive maintenance: {Machine.Floor.Count} machines, one shift[/]").LeftJustified());
        AnsiConsole.MarkupLine(
            $"Feed: {SensorFeed.Start:HH:mm}-{SensorFeed.Start + SensorFeed.Length:HH:mm} simulated, {feed.Count:N0} readings (every 10 s while a machine runs, up to 3 s out of order) in ~{feed.PlayTime.TotalSeconds:0} s; {how}.");
        AnsiConsole.MarkupLine(
            $"Runs = session windows (gap {SensorPipeline.RunGap.TotalMinutes:0} min); condition = {SensorPipeline.RollingWindow.TotalMinutes:0}-min mean vibration every {SensorPipeline.RollingSlide.TotalMinutes:0} min, drift when {MaintenanceBoard.DriftThreshold * 100:0}% above nominal.");
        AnsiConsole.WriteLine();
    }

    public static int Finish(MaintenanceBoard board, SensorFeed feed)
    {
        AnsiConsole.WriteLine();
        board.Render(feed.Runs);
        bool ok = board.Matches(feed.Runs);
        AnsiConsole.MarkupLine(ok
            ? $"[green]Every run found, and only {Machine.Wearing} (its bearing wears from {SensorFeed.WearStarts:HH:mm}) flagged for maintenance.[/]"
            : "[red]Unexpected result: see the tables above.[/]");
        return ok ? 0 : 1;
    }
}
