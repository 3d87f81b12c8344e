using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Pipelines.Postgres.ChangeDataCapture;
using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class RetainedWalMonitorTests(PostgresFixture fixture)
{
    [Fact]
    public async Task AFailedMeasurement_IsLogged_AndTheNextIntervalMeasuresAgain()
    {
        // The database does not exist yet: the first measurements fail.
        string name = $"later_{Guid.NewGuid():N}"[..20];
        string db = new NpgsqlConnectionStringBuilder(fixture.Server.ConnectionString) { Database = name }.ConnectionString;
        var clock = new FakeTimeProvider();
        var logger = new ListLogger();
        var options = new PostgresCdcOptions { ConnectionString = db, Tables = ["t"], Slot = "watched", LagCheckInterval = TimeSpan.FromSeconds(10) };
        var monitor = new RetainedWalMonitor(options, "cdc", logger, clock);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => monitor.RunAsync(stop.Token));
        try
        {
            await Eventually.HoldsAsync(() => logger.Messages.Any(m => m.Contains("slot watched", StringComparison.Ordinal)), "the failure logged");
            running.IsCompleted.Should().BeFalse("a failed measurement does not stop the monitor");

            await ExecuteAsync(fixture.Server.ConnectionString, $"CREATE DATABASE {name}");
            await ExecuteAsync(db, "SELECT pg_create_logical_replication_slot('watched', 'pgoutput'); CREATE TABLE t AS SELECT i FROM generate_series(1, 1000) i");
            await Eventually.HoldsAsync(() =>
            {
                clock.Advance(options.LagCheckInterval);
                return monitor.RetainedWalBytes > 0;
            }, "a measurement after the database appeared");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
            await ExecuteAsync(fixture.Server.ConnectionString, $"SELECT pg_drop_replication_slot('watched') FROM pg_replication_slots WHERE slot_name = 'watched' AND database = '{name}'");
            await ExecuteAsync(fixture.Server.ConnectionString, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }
}
