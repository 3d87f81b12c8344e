namespace FraudDetection;

/// <summary>Which rule an alert is for.</summary>
public enum FraudRule
{
    /// <summary>Too many payments in the window: typical of card testing.</summary>
    Velocity,

    /// <summary>Too much money in the window: typical of a taken-over card.</summary>
    SpendSpike,
}

/// <summary>A card crossed a rule's threshold in a window, with the payment that crossed it.</summary>
public sealed record Alert(FraudRule Rule, string Card, int Count, decimal Total, CardTransaction Trigger, DateTimeOffset WindowStart, DateTimeOffset WindowEnd);
