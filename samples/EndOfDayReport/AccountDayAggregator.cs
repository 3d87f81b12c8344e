using Pipelines;

namespace EndOfDayReport;

/// <summary>
/// Folds an account's transactions into an <see cref="AccountDay"/>. A struct accumulator, so a window costs no
/// allocation; <see cref="Merge"/> adds two partial days, which is what lets the executors split the work.
/// </summary>
public sealed class AccountDayAggregator : IAggregator<Transaction, AccountDay, AccountDay>
{
    public AccountDay CreateAccumulator() => default;

    public AccountDay Add(AccountDay day, Transaction t) => t.Direction == Direction.Credit
        ? day with { Credits = day.Credits + 1, CreditTotal = day.CreditTotal + t.Amount, Largest = Math.Max(day.Largest, t.Amount) }
        : day with { Debits = day.Debits + 1, DebitTotal = day.DebitTotal + t.Amount, Largest = Math.Max(day.Largest, t.Amount) };

    public AccountDay Merge(AccountDay left, AccountDay right) => new(
        left.Credits + right.Credits,
        left.CreditTotal + right.CreditTotal,
        left.Debits + right.Debits,
        left.DebitTotal + right.DebitTotal,
        Math.Max(left.Largest, right.Largest));

    public AccountDay GetResult(AccountDay day) => day;
}
