using System.Globalization;
using Pipelines;

namespace EndOfDayReport;

/// <summary>Writes the per-account report as CSV (RFC 4180, invariant culture), one line per account, sorted by account.</summary>
public static class CsvReport
{
    public static async Task<string> WriteAsync(string folder, DateOnly day, IEnumerable<WindowResult<string, AccountDay>> rows, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"end-of-day-{day:yyyy-MM-dd}.csv");
        await using var writer = new StreamWriter(path, append: false);
        await writer.WriteLineAsync("account,business_day,transactions,credits,credit_total,debits,debit_total,net,largest".AsMemory(), cancellationToken);
        foreach (var row in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var d = row.Value;
            string line = string.Join(',',
                row.Key,
                row.Window.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                d.Transactions.ToString(CultureInfo.InvariantCulture),
                d.Credits.ToString(CultureInfo.InvariantCulture),
                d.CreditTotal.ToString("0.00", CultureInfo.InvariantCulture),
                d.Debits.ToString(CultureInfo.InvariantCulture),
                d.DebitTotal.ToString("0.00", CultureInfo.InvariantCulture),
                d.Net.ToString("0.00", CultureInfo.InvariantCulture),
                d.Largest.ToString("0.00", CultureInfo.InvariantCulture));
            await writer.WriteLineAsync(line.AsMemory(), cancellationToken);
        }

        return path;
    }
}
