using System.Globalization;

namespace KafkaFraudDetection;

/// <summary>A card that spent too much, too often, within one minute; written as JSON to the alerts topic (keyed by card).</summary>
public sealed record FraudAlert(string Card, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, int Payments, decimal Total)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"card {Card}: {Payments} payments, {Total:N2} in [{WindowStart:HH:mm:ss}, {WindowEnd:HH:mm:ss})");
}
