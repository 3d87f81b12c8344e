namespace EndOfDayReport;

/// <summary>The ledger's own control totals for the day, kept by the generator as it books transactions: the report must reconcile with them.</summary>
public sealed class LedgerTotals
{
    public long Transactions { get; private set; }

    public decimal Credits { get; private set; }

    public decimal Debits { get; private set; }

    public void Book(Transaction t)
    {
        Transactions++;
        if (t.Direction == Direction.Credit) Credits += t.Amount;
        else Debits += t.Amount;
    }
}
