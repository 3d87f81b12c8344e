// OrderEnrichment: orders captured from PostgreSQL with change data capture (logical replication), revenue per
// region and hour computed by a streaming pipeline and written back to a PostgreSQL table, then checked against
// the same question asked in SQL.
// Usage: dotnet run --project samples/OrderEnrichment [-- "<connection string>"]
// The server needs wal_level = logical (and a user allowed to replicate); the connection string comes from the
// argument or PIPELINES_POSTGRES_CONNECTION, else a local server on port 5432 as user postgres.
using System.Globalization;
using Npgsql;
using OrderEnrichment;
using Pipelines;

string connectionString = args.Length > 0 ? args[0]
    : Environment.GetEnvironmentVariable("PIPELINES_POSTGRES_CONNECTION") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

await using var db = new NpgsqlConnection(connectionString);
try
{
    await db.OpenAsync();
    await using var check = new NpgsqlCommand("SELECT current_setting('wal_level')", db);
    if ((string?)await check.ExecuteScalarAsync() != "logical")
    {
        Console.Error.WriteLine("The server's wal_level is not 'logical', so it cannot stream changes: set wal_level = logical in postgresql.conf and restart it.");
        return 2;
    }
}
catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
{
    Console.Error.WriteLine($"No PostgreSQL server reachable with \"{connectionString}\": {ex.Message}");
    Console.Error.WriteLine("Start one with wal_level = logical (Debian: apt-get install postgresql, then set wal_level = logical in");
    Console.Error.WriteLine("/etc/postgresql/*/main/postgresql.conf and restart it), and pass its connection string as the first argument");
    Console.Error.WriteLine("or in PIPELINES_POSTGRES_CONNECTION, e.g. \"Host=127.0.0.1;Port=5432;Username=postgres;Password=…;Database=shop\".");
    return 2;
}

async Task ExecuteAsync(string sql)
{
    await using var command = new NpgsqlCommand(sql, db);
    await command.ExecuteNonQueryAsync();
}

// A fresh start: the tables, and no slot or publication left from an earlier run.
await ExecuteAsync($"""
    SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{RevenuePipeline.Slot}';
    DROP PUBLICATION IF EXISTS {RevenuePipeline.Slot};
    DROP TABLE IF EXISTS orders, revenue_per_hour;
    CREATE TABLE orders (id bigint PRIMARY KEY, region text NOT NULL, amount numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL);
    CREATE TABLE revenue_per_hour (region text, hour timestamptz, revenue numeric(14, 2) NOT NULL, PRIMARY KEY (region, hour));
    """);

// Orders from a fixed seed, in time order over a morning: the first 1,000 exist before the pipeline starts (its
// snapshot reads them), the other 3,000 are committed while it runs, 50 per transaction.
string[] regions = ["north", "south", "east", "west"];
var random = new Random(42);
var morning = new DateTimeOffset(2026, 3, 2, 6, 0, 0, TimeSpan.Zero);
var orders = Enumerable.Range(1, 4000)
    .Select(i => new Order(i, regions[random.Next(regions.Length)], random.Next(500, 50_000) / 100m, morning.AddSeconds(i * 9)))
    .ToList();

async Task InsertAsync(IEnumerable<Order> batch)
{
    await using var transaction = await db.BeginTransactionAsync();
    foreach (var o in batch)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO orders VALUES (@id, @region, @amount, @at)", db, transaction);
        insert.Parameters.AddWithValue("id", o.Id);
        insert.Parameters.AddWithValue("region", o.Region);
        insert.Parameters.AddWithValue("amount", o.Amount);
        insert.Parameters.AddWithValue("at", o.PlacedAt);
        await insert.ExecuteNonQueryAsync();
    }

    await transaction.CommitAsync();
}

await InsertAsync(orders.Take(1000));
Console.WriteLine($"{orders.Count:N0} orders from {orders[0].PlacedAt:HH:mm} to {orders[^1].PlacedAt:HH:mm}: 1,000 already in the table, the rest committed while the pipeline runs.");

var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromMilliseconds(200) }).Start(RevenuePipeline.Define(connectionString));
await Task.Delay(500);
foreach (var chunk in orders.Skip(1000).Chunk(50)) await InsertAsync(chunk);
while (run.ElementsRead < orders.Count)
{
    if (run.Completion.IsCompleted) await run.Completion;   // a failed run throws here
    await Task.Delay(20);
}

var summary = await run.StopAsync();   // drains: the hours still open are written too
Console.WriteLine($"Pipeline: {summary.ElementsRead:N0} changes read, {run.CheckpointsCompleted} checkpoints; revenue per region and hour upserted into revenue_per_hour.");

// The check: the table the pipeline wrote equals the same question asked in SQL.
async Task<List<string>> RowsAsync(string sql)
{
    var rows = new List<string>();
    await using var command = new NpgsqlCommand(sql, db);
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetFieldValue<DateTime>(1):HH:mm} {reader.GetString(0),-6} {reader.GetDecimal(2),10:N2}"));
    }

    return rows;
}

var written = await RowsAsync("SELECT region, hour, revenue FROM revenue_per_hour ORDER BY hour, region");
var expected = await RowsAsync("SELECT region, date_trunc('hour', placed_at) AS hour, sum(amount) FROM orders GROUP BY 1, 2 ORDER BY 2, 1");
Console.WriteLine();
Console.WriteLine("hour  region    revenue");
foreach (string row in written) Console.WriteLine(row);
await ExecuteAsync($"SELECT pg_drop_replication_slot('{RevenuePipeline.Slot}')");

bool same = written.SequenceEqual(expected);
Console.WriteLine();
Console.WriteLine(same
    ? $"Check passed: revenue_per_hour ({written.Count} rows) equals SELECT … GROUP BY region, date_trunc('hour', placed_at)."
    : $"Check FAILED: revenue_per_hour has {written.Count} rows, the query {expected.Count}.");
return same ? 0 : 1;
