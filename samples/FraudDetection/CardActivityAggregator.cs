using Pipelines;

namespace FraudDetection;

/// <summary>Counts and sums a card's payments in a window and remembers the latest arrival, so a pane tells which payment it was for.</summary>
public sealed class CardActivityAggregator : IAggregator<CardTransaction, CardActivity, CardActivity>
{
    public CardActivity CreateAccumulator() => default;

    public CardActivity Add(CardActivity activity, CardTransaction payment) => new(activity.Count + 1, activity.Total + payment.Amount, payment);

    public CardActivity Merge(CardActivity left, CardActivity right) => new(left.Count + right.Count, left.Total + right.Total, right.Last ?? left.Last);

    public CardActivity GetResult(CardActivity activity) => activity;
}
