namespace KafkaFraudDetection;

/// <summary>A card payment, as JSON on the transactions topic (keyed by payment id: the aggregation key, the card, is not the topic's partitioning).</summary>
public sealed record Transaction(string Id, string Card, decimal Amount, string Merchant, DateTimeOffset Time);
