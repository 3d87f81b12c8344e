using System.Diagnostics;
using Pipelines;
using Spectre.Console;

namespace SensorMaintenance;

/// <summary>
/// The sinks: collects machine runs and rolling averages, prints a drift alert the first time a machine's
/// rolling average runs <see cref="DriftThreshold"/> above its nominal vibration, and renders the summary
/// tables. Both sinks call in from their own tasks, so the state is behind a lock.
/// </summary>
public sealed class MaintenanceBoard
{
    /// <summary>A rolling average this far above nominal (a fraction) is drift.</summary>
    public const double DriftThreshold = 0.20;

    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<WindowResult<string, RunStats>> _runs = [];
    private readonly Dictionary<string, (WindowResult<string, double> Latest, double Peak)> _rolling = [];
    private readonly Dictionary<string, (DateTimeOffset Since, int Windows)> _drift = [];

    public IReadOnlyCollection<string> DriftingMachines
    {
        get
        {
            lock (_lock) return [.. _drift.Keys];
        }
    }

    public void OnRun(WindowResult<string, RunStats> run)
    {
        lock (_lock) _runs.Add(run);
    }

    public void OnRollingAverage(WindowResult<string, double> pane)
    {
        lock (_lock)
        {
            if (!_rolling.TryGetValue(pane.Key, out var seen)) seen = (pane, pane.Value);
            _rolling[pane.Key] = (pane.Window.End >= seen.Latest.Window.End ? pane : seen.Latest, Math.Max(seen.Peak, pane.Value));

            double nominal = Machine.Nominal(pane.Key);
            double excess = pane.Value / nominal - 1;
            if (excess < DriftThreshold) return;
            if (_drift.TryGetValue(pane.Key, out var drift))
            {
                _drift[pane.Key] = (drift.Since, drift.Windows + 1);
                return;
            }

            _drift[pane.Key] = (pane.Window.End, 1);
            AnsiConsole.MarkupLine(
                $"[grey]{_clock.Elapsed.TotalSeconds,5:0.00}s[/] [bold red]DRIFT[/] [bold]{pane.Key}[/]: mean vibration {pane.Value:0.00} mm/s over " +
                $"{pane.Window.Start:HH:mm}-{pane.Window.End:HH:mm} is {excess * 100:0}% above nominal {nominal:0.00} mm/s: schedule maintenance");
        }
    }

    public void Render(IReadOnlyDictionary<string, int> expectedRuns)
    {
        lock (_lock)
        {
            var runs = new Table().Border(TableBorder.Rounded).Title("[bold]Machine runs (session windows, gap 3 min)[/]")
                .AddColumn("Machine")
                .AddColumn(new TableColumn("Runs").RightAligned())
                .AddColumn(new TableColumn("Running").RightAligned())
                .AddColumn(new TableColumn("Longest run").RightAligned())
                .AddColumn(new TableColumn("Readings").RightAligned())
                .AddColumn(new TableColumn("Hottest").RightAligned());
            foreach (var machine in Machine.Floor)
            {
                var mine = _runs.Where(r => r.Key == machine.Name).ToList();
                var durations = mine.Select(r => r.Window.Size - SensorPipeline.RunGap).ToList();
                string count = mine.Count == expectedRuns[machine.Name] ? $"{mine.Count}" : $"[red]{mine.Count} (expected {expectedRuns[machine.Name]})[/]";
                runs.AddRow(
                    machine.Name,
                    count,
                    $"{durations.Sum(d => d.TotalHours):0.0} h",
                    $"{durations.Max().TotalMinutes:0} min",
                    $"{mine.Sum(r => r.Value.Readings):N0}",
                    $"{mine.Max(r => r.Value.MaxTemperature):0.0} °C");
            }

            AnsiConsole.Write(runs);

            var condition = new Table().Border(TableBorder.Rounded).Title("[bold]Condition (rolling 15-min mean vibration, every 5 min)[/]")
                .AddColumn("Machine")
                .AddColumn(new TableColumn("Nominal").RightAligned())
                .AddColumn(new TableColumn("Latest").RightAligned())
                .AddColumn(new TableColumn("Peak").RightAligned())
                .AddColumn("Status");
            foreach (var machine in Machine.Floor)
            {
                var (latest, peak) = _rolling[machine.Name];
                string status = _drift.TryGetValue(machine.Name, out var drift)
                    ? $"[red]DRIFT since {drift.Since:HH:mm} ({drift.Windows} windows)[/]"
                    : "[green]OK[/]";
                condition.AddRow(machine.Name, $"{machine.NominalVibration:0.00}", $"{latest.Value:0.00}", $"{peak:0.00}", status);
            }

            AnsiConsole.Write(condition);
        }
    }

    /// <summary>Whether the board found exactly the generator's runs and exactly the wearing machine drifting.</summary>
    public bool Matches(IReadOnlyDictionary<string, int> expectedRuns)
    {
        lock (_lock)
        {
            bool runsMatch = Machine.Floor.All(m => _runs.Count(r => r.Key == m.Name) == expectedRuns[m.Name]);
            return runsMatch && _drift.Count == 1 && _drift.ContainsKey(Machine.Wearing);
        }
    }
}
