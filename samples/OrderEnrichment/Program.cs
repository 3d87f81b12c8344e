// OrderEnrichment: orders captured from PostgreSQL with change data capture (logical replication), each enriched
// with the tier its customer had when the order was placed — a temporal join against the customers table, captured
// too — revenue per tier and hour written back to a PostgreSQL table, and that table checked against the same
// question asked in SQL.
// Usage: dotnet run --project samples/OrderEnrichment [-- "<connection string>"]
// The server needs wal_level = logical (and a user allowed to replicate); the connection string comes from the
// argument or PIPELINES_POSTGRES_CONNECTION, else a local server on port 5432 as user postgres.
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

await using (var create = new NpgsqlCommand(Shop.CreateSql, db)) await create.ExecuteNonQueryAsync();

// 200 customers and 4,000 orders from 06:00 on, one every 9 seconds: the first 1,000 orders exist before the
// pipeline starts (its snapshots read them with the customers), the other 3,000 and about 750 tier changes are
// committed while it runs, 50 per transaction.
var morning = Shop.Generate(customers: 200, orders: 4000, ordersBefore: 1000);
await Shop.WriteAsync(db, morning.Customers);
await Shop.WriteAsync(db, morning.OrdersBefore);
Console.WriteLine($"{morning.Orders:N0} orders of {morning.Customers.Count} customers and {morning.TierChanges} tier changes: {morning.OrdersBefore.Count:N0} orders already in the table, the rest committed while the pipeline runs.");

string checkpoints = Path.Combine(Path.GetTempPath(), "order-enrichment-" + Guid.NewGuid().ToString("N"));
var run = new StreamingExecutor(TierRevenuePipeline.Options(checkpoints)).Start(TierRevenuePipeline.Define(connectionString));
await Shop.WaitForSlotsAsync(db, run.Completion, TimeSpan.FromSeconds(60));
await Shop.WriteAsync(db, morning.Later);
while (run.ElementsRead < morning.Changes)
{
    if (run.Completion.IsCompleted) await run.Completion;   // a failed run throws here
    await Task.Delay(20);
}

var summary = await run.StopAsync();   // drains: the orders still waiting for the customers' watermark, and the hours still open, are written too
Directory.Delete(checkpoints, recursive: true);
Console.WriteLine($"Pipeline: {summary.ElementsRead:N0} changes read, {run.CheckpointsCompleted} checkpoints; revenue per tier and hour upserted into revenue_per_tier_hour.");

// The check: the table the pipeline wrote equals the same question asked in SQL, with the tier valid at each order's time.
var written = await Shop.RowsAsync(db, Shop.WrittenSql);
var expected = await Shop.RowsAsync(db, Shop.ExpectedSql);
Console.WriteLine();
Console.WriteLine("hour  tier      revenue");
foreach (string row in written) Console.WriteLine(row);
await using (var drop = new NpgsqlCommand($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('{TierRevenuePipeline.OrdersSlot}', '{TierRevenuePipeline.CustomersSlot}')", db))
{
    await drop.ExecuteNonQueryAsync();
}

bool same = written.SequenceEqual(expected);
Console.WriteLine();
Console.WriteLine(same
    ? $"Check passed: revenue_per_tier_hour ({written.Count} rows) equals the orders summed per hour under the tier valid when each was placed (customer_history)."
    : $"Check FAILED: revenue_per_tier_hour has {written.Count} rows, the query {expected.Count}.");
return same ? 0 : 1;
