namespace FraudDetection;

/// <summary>A fraud pattern the feed generator planted on a card from a time on: what the pipeline should flag.</summary>
public sealed record PlantedFraud(FraudRule Rule, string Card, DateTimeOffset Start);
