using Pipelines;

namespace FraudDetection;

/// <summary>
/// The rules, checked over sliding windows of <see cref="WindowSize"/> every <see cref="Slide"/>. A pane fires
/// on every payment (early results), so an alert goes out the moment a payment crosses a threshold, not when
/// the window closes.
/// </summary>
public static class FraudRules
{
    public static readonly TimeSpan WindowSize = TimeSpan.FromMinutes(10);

    public static readonly TimeSpan Slide = TimeSpan.FromMinutes(1);

    /// <summary>This many payments or more within <see cref="WindowSize"/>.</summary>
    public const int VelocityLimit = 6;

    /// <summary>This much or more spent within <see cref="WindowSize"/>.</summary>
    public const decimal SpendLimit = 2_000m;

    /// <summary>
    /// The alerts a pane raises: only when the payment it fired for is the one that crossed a threshold (the
    /// count reached the limit, or the total passed it with this payment), so each window alerts once per rule.
    /// The on-time pane at the window's end repeats the last early pane and is skipped.
    /// </summary>
    public static IEnumerable<Alert> Check(WindowResult<string, CardActivity> pane)
    {
        var a = pane.Value;
        if (pane.Timing == PaneTiming.OnTime || a.Last is null) yield break;
        if (a.Count == VelocityLimit)
        {
            yield return new Alert(FraudRule.Velocity, pane.Key, a.Count, a.Total, a.Last, pane.Window.Start, pane.Window.End);
        }

        if (a.Total >= SpendLimit && a.Total - a.Last.Amount < SpendLimit)
        {
            yield return new Alert(FraudRule.SpendSpike, pane.Key, a.Count, a.Total, a.Last, pane.Window.Start, pane.Window.End);
        }
    }
}
