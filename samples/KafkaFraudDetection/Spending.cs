using Pipelines;

namespace KafkaFraudDetection;

/// <summary>How many payments a card made in a window, and how much they came to.</summary>
public readonly record struct Spending(int Payments, decimal Total);

/// <summary>Adds up payments per window: count and total (merges for parallel partial aggregation).</summary>
public sealed class SpendingAggregator : IAggregator<Transaction, Spending, Spending>
{
    public Spending CreateAccumulator() => default;

    public Spending Add(Spending accumulator, Transaction value) => new(accumulator.Payments + 1, accumulator.Total + value.Amount);

    public Spending Merge(Spending left, Spending right) => new(left.Payments + right.Payments, left.Total + right.Total);

    public Spending GetResult(Spending accumulator) => accumulator;
}
