using Pipelines;

namespace EndOfDayReport;

/// <summary>
/// A bounded source that generates one business day of transactions as it is read: deterministic for a seed,
/// never all in memory, and of known size, so it reports <see cref="SourceReader{T}.FractionRead"/> for the
/// progress bar. A few busy accounts (payroll, merchants) see most of the traffic; amounts are log-normal.
/// </summary>
public sealed class TransactionSource(DateOnly day, int count, int accounts, int seed, LedgerTotals totals) : Source<Transaction>
{
    public override string Name => $"ledger {day:yyyy-MM-dd}";

    public override bool IsBounded => true;

    public override ValueTask<SourceReader<Transaction>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        new(new Reader(day, count, accounts, seed, totals));

    private sealed class Reader : SourceReader<Transaction>
    {
        private readonly Random _random;
        private readonly string[] _accounts;
        private readonly DateTimeOffset _opening;
        private readonly long _businessDayTicks;
        private readonly int _count;
        private readonly LedgerTotals _totals;
        private int _generated;

        public Reader(DateOnly day, int count, int accounts, int seed, LedgerTotals totals)
        {
            _random = new Random(seed);
            _accounts = Enumerable.Range(1, accounts).Select(i => $"ACC-{i:D5}").ToArray();
            _opening = new DateTimeOffset(day.ToDateTime(new TimeOnly(6, 0)), TimeSpan.Zero);
            _businessDayTicks = TimeSpan.FromHours(16).Ticks;
            _count = count;
            _totals = totals;
        }

        public override double? FractionRead => _count == 0 ? 1.0 : (double)_generated / _count;

        public override int TryRead(Span<Transaction> destination)
        {
            int n = Math.Min(destination.Length, _count - _generated);
            for (int i = 0; i < n; i++)
            {
                var t = Next();
                _totals.Book(t);
                destination[i] = t;
            }

            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(_generated < _count);

        private Transaction Next()
        {
            long id = ++_generated;

            // Skewed: squaring a uniform number puts most traffic on the first (busiest) accounts.
            double u = _random.NextDouble();
            string account = _accounts[(int)(u * u * _accounts.Length)];
            var time = _opening.AddTicks((long)(_businessDayTicks * ((double)id / _count)) + _random.NextInt64(TimeSpan.TicksPerSecond));
            var direction = _random.Next(100) < 55 ? Direction.Debit : Direction.Credit;
            double logNormal = Math.Exp(3.5 + 1.2 * Gaussian());
            decimal amount = Math.Round((decimal)Math.Min(logNormal, 250_000) + 0.01m, 2);
            return new Transaction(id, account, time, amount, direction);
        }

        private double Gaussian()
        {
            double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
