using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// Measures, every <see cref="PostgresCdcOptions.LagCheckInterval"/> on the run's clock, the WAL a slot retains
/// (from its restart LSN to the server's end: what the pipeline has not confirmed), publishes it as the
/// <c>pipelines.postgres.cdc.retained_wal</c> gauge and warns once each time it rises above
/// <see cref="PostgresCdcOptions.LagWarningBytes"/> (again after it fell below half of it).
/// </summary>
internal sealed class RetainedWalMonitor(PostgresCdcOptions options, string source, ILogger logger, TimeProvider time) : IRetainedWal
{
    private long _retained;
    private bool _warned;

    public string Slot => options.Slot;

    public long RetainedWalBytes => Volatile.Read(ref _retained);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        PostgresMetrics.Track(this);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await MeasureAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Measuring is best effort (the replication stream reports real failures): log and try again next interval.
                    PostgresLog.LagUnmeasured(logger, source, options.Slot, ex.Message);
                }

                await Task.Delay(options.LagCheckInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            PostgresMetrics.Untrack(this);
        }
    }

    /// <summary>One measurement, on a connection of its own so that a broken one is replaced at the next interval.</summary>
    private async Task MeasureAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, pg_current_wal_lsn()::text, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = @s", connection);
        command.Parameters.AddWithValue("s", options.Slot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
        {
            Observe(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? "none" : reader.GetString(2));
        }
    }

    private void Observe(long retained, string walEnd, string confirmed)
    {
        Volatile.Write(ref _retained, retained);
        if (!_warned && retained > options.LagWarningBytes)
        {
            _warned = true;
            PostgresLog.RetainedWal(logger, source, options.Slot, retained, walEnd, confirmed);
        }
        else if (_warned && retained < options.LagWarningBytes / 2)
        {
            _warned = false;
        }
    }
}
