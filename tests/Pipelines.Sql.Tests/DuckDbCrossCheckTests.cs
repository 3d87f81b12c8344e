using System.Globalization;
using System.Numerics;
using System.Text;
using DuckDB.NET.Data;

namespace Pipelines.Sql.Tests;

/// <summary>The same questions on the same generated data, answered by DuckDB and by both executors.</summary>
public sealed class DuckDbCrossCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public DuckDbCrossCheckTests()
    {
        var random = new Random(14);
        var orders = new StringBuilder("id,customer,qty,amount,score,ts\n");
        var start = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        for (int i = 0; i < 3000; i++)
        {
            // Time mostly increases, with up to 3 s of disorder (the watermark allows 10 s, so nothing is late).
            var ts = start.AddMilliseconds(i * 1200 + random.Next(0, 3000));
            string qty = random.Next(10) == 0 ? string.Empty : random.Next(1, 20).ToString(CultureInfo.InvariantCulture);
            orders.Append(CultureInfo.InvariantCulture, $"{i},c{random.Next(40)},{qty},{random.Next(100, 100000) / 100m},{Math.Round(random.NextDouble() * 10, 3)},{ts:yyyy-MM-dd HH:mm:ss.fff}\n");
        }
        _dir.File("orders.csv", orders.ToString());
        var customers = new StringBuilder("name,region\n");
        for (int c = 0; c < 45; c += 1) customers.Append(CultureInfo.InvariantCulture, $"c{c},{(c % 3 == 0 ? "north" : c % 3 == 1 ? "south" : "west")}\n");
        _dir.File("customers.csv", customers.ToString());
    }

    public void Dispose() => _dir.Dispose();

    private const string Tables = """
        CREATE TABLE orders (id INT, customer STRING, qty INT, amount DECIMAL(10, 2), score DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)
          WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
        CREATE TABLE customers (name STRING, region STRING) WITH ('connector' = 'filesystem', 'path' = 'customers.csv', 'format' = 'csv');
        """;

    [Theory]
    [InlineData(
        "SELECT id, UPPER(customer) AS c, qty * 2 + 1 AS q, amount * 2 AS a, ROUND(score / 3, 2) AS s FROM orders WHERE qty > 5 AND customer LIKE 'c1%' AND score BETWEEN 2 AND 8",
        "SELECT id, UPPER(customer) AS c, qty * 2 + 1 AS q, amount * 2 AS a, ROUND(score / 3, 2) AS s FROM orders WHERE qty > 5 AND customer LIKE 'c1%' AND score BETWEEN 2 AND 8")]
    [InlineData(
        "SELECT customer, COUNT(*) AS n, COUNT(qty) AS nq, SUM(qty) AS q, MIN(amount) AS lo, MAX(score) AS hi, AVG(qty) AS avg_q, COUNT(DISTINCT qty) AS dq FROM orders GROUP BY customer HAVING COUNT(*) > 60",
        "SELECT customer, COUNT(*) AS n, COUNT(qty) AS nq, SUM(qty) AS q, MIN(amount) AS lo, MAX(score) AS hi, AVG(qty) AS avg_q, COUNT(DISTINCT qty) AS dq FROM orders GROUP BY customer HAVING COUNT(*) > 60")]
    [InlineData(
        "SELECT window_start, window_end, customer, COUNT(*) AS n, SUM(amount) AS total FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) WHERE qty IS NOT NULL GROUP BY window_start, window_end, customer",
        "SELECT time_bucket(INTERVAL 5 MINUTE, ts) AS ws, time_bucket(INTERVAL 5 MINUTE, ts) + INTERVAL 5 MINUTE AS we, customer, COUNT(*) AS n, SUM(amount) AS total FROM orders WHERE qty IS NOT NULL GROUP BY ALL")]
    [InlineData(
        "SELECT window_start, COUNT(*) AS n, MAX(qty) AS q FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTE, INTERVAL '30' MINUTE)) GROUP BY window_start, window_end",
        "SELECT s AS ws, COUNT(*) AS n, MAX(qty) AS q FROM (SELECT *, unnest(generate_series(time_bucket(INTERVAL 10 MINUTE, ts) - INTERVAL 20 MINUTE, time_bucket(INTERVAL 10 MINUTE, ts), INTERVAL 10 MINUTE)) AS s FROM orders) GROUP BY s")]
    [InlineData(
        "SELECT window_start, window_end, COUNT(*) AS n, SUM(qty) AS q, MAX(amount) AS hi FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTE, INTERVAL '30' MINUTE)) GROUP BY window_start, window_end",
        "SELECT time_bucket(INTERVAL 30 MINUTE, ts) AS ws, we, COUNT(*) AS n, SUM(qty) AS q, MAX(amount) AS hi FROM (SELECT *, unnest(generate_series(time_bucket(INTERVAL 10 MINUTE, ts) + INTERVAL 10 MINUTE, time_bucket(INTERVAL 30 MINUTE, ts) + INTERVAL 30 MINUTE, INTERVAL 10 MINUTE)) AS we FROM orders) GROUP BY ALL")]
    [InlineData(
        "SELECT customer, window_end, COUNT(*) AS n FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '20' MINUTE, INTERVAL '1' HOUR)) WHERE customer IN ('c1', 'c2') GROUP BY window_start, window_end, customer",
        "SELECT customer, we, COUNT(*) AS n FROM (SELECT *, unnest(generate_series(time_bucket(INTERVAL 20 MINUTE, ts) + INTERVAL 20 MINUTE, time_bucket(INTERVAL 1 HOUR, ts) + INTERVAL 1 HOUR, INTERVAL 20 MINUTE)) AS we FROM orders) WHERE customer IN ('c1', 'c2') GROUP BY ALL")]
    [InlineData(
        "SELECT id, window_start, window_end FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '15' MINUTE, INTERVAL '45' MINUTE)) WHERE customer = 'c7'",
        "SELECT id, time_bucket(INTERVAL 45 MINUTE, ts, TIMESTAMP '1970-01-01') AS ws, we FROM (SELECT *, unnest(generate_series(time_bucket(INTERVAL 15 MINUTE, ts) + INTERVAL 15 MINUTE, time_bucket(INTERVAL 45 MINUTE, ts, TIMESTAMP '1970-01-01') + INTERVAL 45 MINUTE, INTERVAL 15 MINUTE)) AS we FROM orders) WHERE customer = 'c7'")]
    [InlineData(
        "SELECT c.region, COUNT(*) AS n, SUM(o.qty) AS q FROM orders o JOIN customers c ON o.customer = c.name WHERE o.amount > 500 GROUP BY c.region",
        "SELECT c.region, COUNT(*) AS n, SUM(o.qty) AS q FROM orders o JOIN customers c ON o.customer = c.name WHERE o.amount > 500 GROUP BY c.region")]
    [InlineData(
        "SELECT a.customer, COUNT(*) AS pairs FROM orders a JOIN orders b ON a.customer = b.customer AND b.ts BETWEEN a.ts - INTERVAL '30' SECOND AND a.ts + INTERVAL '90' SECOND WHERE a.id <> b.id GROUP BY a.customer",
        "SELECT a.customer, COUNT(*) AS pairs FROM orders a JOIN orders b ON a.customer = b.customer AND b.ts BETWEEN a.ts - INTERVAL 30 SECOND AND a.ts + INTERVAL 90 SECOND WHERE a.id <> b.id GROUP BY a.customer")]
    [InlineData(
        // A time condition bounded on one side only, over bounded tables with a WATERMARK: an ordinary join with it in the condition.
        "SELECT a.customer, COUNT(*) AS later FROM orders a JOIN orders b ON a.customer = b.customer AND b.ts >= a.ts + INTERVAL '10' MINUTE WHERE a.id <> b.id GROUP BY a.customer",
        "SELECT a.customer, COUNT(*) AS later FROM orders a JOIN orders b ON a.customer = b.customer AND b.ts >= a.ts + INTERVAL 10 MINUTE WHERE a.id <> b.id GROUP BY a.customer")]
    [InlineData(
        "SELECT DISTINCT customer, qty FROM orders WHERE id < 300",
        "SELECT DISTINCT customer, qty FROM orders WHERE id < 300")]
    [InlineData(
        // With LIMIT the rows kept depend on the order: the missing quantities first, then the largest.
        "SELECT id, qty FROM orders ORDER BY qty DESC NULLS FIRST, id LIMIT 320",
        "SELECT id, qty FROM orders ORDER BY qty DESC NULLS FIRST, id LIMIT 320")]
    [InlineData(
        "SELECT id, POSITION('1' IN customer) AS p, POSITION('c', customer) AS q FROM orders WHERE id < 50",
        "SELECT id, POSITION('1' IN customer) AS p, POSITION('c' IN customer) AS q FROM orders WHERE id < 50")]
    [InlineData(
        // A DATE against a string, a DATE moved by whole days (a DATE) and by hours (a TIMESTAMP), a DATE against a TIMESTAMP.
        "SELECT id, CAST(ts AS DATE) + INTERVAL '1' DAY AS next_day, CAST(ts AS DATE) + INTERVAL '6' HOUR AS six FROM orders WHERE CAST(ts AS DATE) = '2024-05-01' AND CAST(ts AS DATE) < ts AND id < 40",
        "SELECT id, CAST(CAST(CAST(ts AS DATE) + INTERVAL 1 DAY AS DATE) AS VARCHAR) AS next_day, CAST(ts AS DATE) + INTERVAL 6 HOUR AS six FROM orders WHERE CAST(ts AS DATE) = '2024-05-01' AND CAST(ts AS DATE) < ts AND id < 40")]
    public async Task Results_MatchDuckDb(string ours, string duckDb)
    {
        var rows = await Both.RunAsync(Tables + ours, _dir.Path);
        var expected = DuckDb(duckDb);
        expected.Should().NotBeEmpty();
        rows.Select(Normalise).Order(StringComparer.Ordinal).Should().Equal(expected);
    }

    private List<string> DuckDb(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            string orders = Path.Combine(_dir.Path, "orders.csv"), customers = Path.Combine(_dir.Path, "customers.csv");
            create.CommandText = $"""
                CREATE TABLE orders AS SELECT * FROM read_csv('{orders}', header = true,
                  columns = {"{"}'id': 'INTEGER', 'customer': 'VARCHAR', 'qty': 'INTEGER', 'amount': 'DECIMAL(10,2)', 'score': 'DOUBLE', 'ts': 'TIMESTAMP'{"}"});
                CREATE TABLE customers AS SELECT * FROM read_csv('{customers}', header = true, columns = {"{"}'name': 'VARCHAR', 'region': 'VARCHAR'{"}"});
                """;
            create.ExecuteNonQuery();
        }
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => Value(reader.IsDBNull(i) ? null : reader.GetValue(i)))));
        }
        return [.. rows.Order(StringComparer.Ordinal)];
    }

    /// <summary>Both sides' values in one text form: whole numbers as such, other numbers rounded to 6 places, times as ISO-8601.</summary>
    private static string Value(object? value) => value switch
    {
        null => "NULL",
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        BigInteger or long or int or short or byte or ulong or uint => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        decimal m when m == decimal.Truncate(m) => decimal.Truncate(m).ToString(CultureInfo.InvariantCulture),
        decimal or double or float => Math.Round(Convert.ToDouble(value, CultureInfo.InvariantCulture), 6).ToString("R", CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    /// <summary>Our rows (already text) in the same form.</summary>
    private static string Normalise(string row) => string.Join("|", row.Split('|').Select(field =>
        field.Contains('.', StringComparison.Ordinal) && double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && !field.Contains('T', StringComparison.Ordinal)
            ? Value(d == Math.Truncate(d) ? (object)(long)d : d)
            : field));
}
