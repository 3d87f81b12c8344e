namespace FraudDetection;

/// <summary>A card's activity in one window so far: how many payments, how much, and the payment that arrived last.</summary>
public readonly record struct CardActivity(int Count, decimal Total, CardTransaction? Last);
