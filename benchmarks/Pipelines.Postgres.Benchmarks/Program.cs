using System.Diagnostics;
using Pipelines;
using Pipelines.Postgres;
using Pipelines.Postgres.Tests;

// Throughput of the PostgreSQL connectors against a local server: rows per second through the append and upsert
// sinks, and changes per second through the change-data-capture source. Each measurement runs three times; the
// median is reported. The cluster this starts keeps PostgreSQL's durable defaults (fsync, synchronous commit).
//   dotnet run -c Release --project benchmarks/Pipelines.Postgres.Benchmarks [-- --rows 1000000]
int rows = args.Length >= 2 && args[0] == "--rows" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
await using var server = new PostgresServer();
await server.StartAsync(durable: true);
var version = await PostgresServer.QueryAsync(server.ConnectionString, "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit')");
Console.WriteLine($"{version[0][0]}; fsync={version[0][1]}, synchronous_commit={version[0][2]}; {Environment.ProcessorCount} cores; {rows:N0} rows per run");

var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
var readings = Enumerable.Range(0, rows).Select(i => new Reading(i, "sensor-" + (i % 1000), i * 0.5, start.AddMilliseconds(i))).ToArray();

await MeasureAsync("append (binary COPY)", rows, async db =>
{
    await PostgresServer.ExecuteAsync(db, "CREATE TABLE readings (seq bigint, sensor text, value float8, at timestamptz)");
    return async () => await RunAsync(readings, PostgresSinks.Append<Reading>(db, "readings"));
});

await MeasureAsync("upsert, new keys", rows, async db =>
{
    await PostgresServer.ExecuteAsync(db, "CREATE TABLE readings (seq bigint PRIMARY KEY, sensor text, value float8, at timestamptz)");
    return async () => await RunAsync(readings, PostgresSinks.Upsert<Reading>(db, "readings", ["seq"]));
});

await MeasureAsync("upsert, existing keys (updates)", rows, async db =>
{
    await PostgresServer.ExecuteAsync(db, "CREATE TABLE readings (seq bigint PRIMARY KEY, sensor text, value float8, at timestamptz)");
    await RunAsync(readings, PostgresSinks.Upsert<Reading>(db, "readings", ["seq"]));
    await PostgresServer.ExecuteAsync(db, "VACUUM ANALYZE readings");
    return async () => await RunAsync(readings.Select(r => r with { Value = -r.Value }), PostgresSinks.Upsert<Reading>(db, "readings", ["seq"]));
});

int slot = 0;
await MeasureAsync("change data capture", rows, async db =>
{
    await PostgresServer.ExecuteAsync(db, "CREATE TABLE readings (seq bigint PRIMARY KEY, sensor text, value float8, at timestamptz)");
    var options = new PostgresCdcOptions { ConnectionString = db, Tables = ["readings"], Slot = $"bench_{slot++}", Snapshot = false };

    // Create the slot, then commit the changes (transactions of 10,000 rows) while no pipeline reads them.
    await PostgresServer.ExecuteAsync(db, $"CREATE PUBLICATION {options.Slot} FOR TABLE readings");
    await PostgresServer.ExecuteAsync(db, $"SELECT pg_create_logical_replication_slot('{options.Slot}', 'pgoutput')");

    for (int from = 0; from < rows; from += 10_000)
    {
        await PostgresServer.ExecuteAsync(db, $"INSERT INTO readings SELECT i, 'sensor-' || (i % 1000), i * 0.5, now() FROM generate_series({from}, {Math.Min(rows, from + 10_000) - 1}) i");
    }

    return async () =>
    {
        long seen = 0;
        var done = new TaskCompletionSource();
        var p = new PipelineBuilder();
        p.From(PostgresSources.ChangeDataCapture<Reading>(options)).To(Sinks.Action<ChangeRecord<Reading>>(_ =>
        {
            if (++seen == rows) done.TrySetResult();
        }));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        await run.StopAsync(drain: false);
    };
});

async Task MeasureAsync(string what, int count, Func<string, Task<Func<Task>>> prepare)
{
    var rates = new List<double>();
    for (int i = 0; i < 3; i++)
    {
        string db = await server.CreateDatabaseAsync();
        var body = await prepare(db);
        var watch = Stopwatch.StartNew();
        await body();
        rates.Add(count / watch.Elapsed.TotalSeconds);
    }

    rates.Sort();
    Console.WriteLine($"{what,-34} {rates[1],12:N0} rows/s (runs: {string.Join(", ", rates.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))})");
}

static async Task RunAsync<T>(IEnumerable<T> items, Sink<T> sink)
{
    var p = new PipelineBuilder();
    p.From(Sources.Enumerable(items)).To(sink);
    await new BoundedExecutor().RunAsync(p.Build());
}

internal sealed record Reading(long Seq, string Sensor, double Value, DateTimeOffset At);
