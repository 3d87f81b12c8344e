namespace KafkaFraudDetection;

/// <summary>A card payment, as JSON on the transactions topic (keyed by card).</summary>
public sealed record Transaction(string Id, string Card, decimal Amount, string Merchant, DateTimeOffset Time);
