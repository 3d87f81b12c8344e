namespace FraudDetection;

/// <summary>A card payment authorised at a merchant at a time.</summary>
public sealed record CardTransaction(long Id, string Card, string Merchant, decimal Amount, DateTimeOffset Time);
