namespace EndOfDayReport;

/// <summary>Whether money left the account (debit) or came in (credit).</summary>
public enum Direction
{
    Debit,
    Credit,
}

/// <summary>One booked bank transaction: an amount (always positive) debited from or credited to an account at a time.</summary>
public sealed record Transaction(long Id, string Account, DateTimeOffset Time, decimal Amount, Direction Direction);
