namespace EndOfDayReport;

/// <summary>One account's day: how many transactions, how much came in and went out, and the largest single movement.</summary>
public readonly record struct AccountDay(int Credits, decimal CreditTotal, int Debits, decimal DebitTotal, decimal Largest)
{
    public int Transactions => Credits + Debits;

    public decimal Net => CreditTotal - DebitTotal;

    public decimal Turnover => CreditTotal + DebitTotal;
}
