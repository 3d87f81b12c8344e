using System.Diagnostics;
using Spectre.Console;

namespace FraudDetection;

/// <summary>
/// The sink: prints each alert the moment it arrives. Overlapping sliding windows see the same burst, so a card
/// that crossed a rule is not alerted again for that rule within one window length (event time).
/// </summary>
public sealed class AlertDesk(Stopwatch clock)
{
    private readonly Dictionary<(string Card, FraudRule Rule), DateTimeOffset> _lastAlert = [];

    public List<Alert> Raised { get; } = [];

    public int Repeats { get; private set; }

    public void Handle(Alert alert)
    {
        var key = (alert.Card, alert.Rule);
        if (_lastAlert.TryGetValue(key, out var previous) && alert.Trigger.Time < previous + FraudRules.WindowSize)
        {
            Repeats++;
            return;
        }

        _lastAlert[key] = alert.Trigger.Time;
        Raised.Add(alert);
        string what = alert.Rule == FraudRule.Velocity
            ? $"[yellow]velocity[/]    {alert.Count} payments"
            : $"[red]spend spike[/] {alert.Total:N2}";
        AnsiConsole.MarkupLine(
            $"[grey]{clock.Elapsed.TotalSeconds,5:0.00}s[/] [bold red]ALERT[/] [bold]{alert.Card}[/] {what} in {alert.WindowStart:HH:mm}-{alert.WindowEnd:HH:mm} " +
            $"[grey]at {alert.Trigger.Time:HH:mm:ss}, {alert.Trigger.Amount:N2} {Markup.Escape(alert.Trigger.Merchant)}[/]");
    }
}
