using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipelines.Postgres;

/// <summary>The <c>Pipelines.Postgres</c> meter.</summary>
internal static class PostgresMetrics
{
    public const string MeterName = "Pipelines.Postgres";

    private static readonly Meter Meter = new(MeterName, typeof(PostgresMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>The change-data-capture readers of this process, for the retained-WAL gauge.</summary>
    private static readonly ConcurrentDictionary<IRetainedWal, byte> Readers = new();

    public static readonly Counter<long> ChangesRead = Meter.CreateCounter<long>(
        "pipelines.postgres.cdc.changes", "{change}", "Changes (and snapshot rows) a change-data-capture source read.");

    public static readonly Counter<long> RowsWritten = Meter.CreateCounter<long>(
        "pipelines.postgres.sink.rows", "{row}", "Rows a PostgreSQL sink committed (upserted, appended or deleted).");

    public static readonly Counter<long> RowsRejected = Meter.CreateCounter<long>(
        "pipelines.postgres.sink.rows_rejected", "{row}", "Rows the server refused (constraint violations) that a sink skipped.");

    public static readonly Counter<long> RowsAlreadyCommitted = Meter.CreateCounter<long>(
        "pipelines.postgres.sink.rows_already_committed", "{row}", "Rows an exactly-once sink skipped because its commit table shows they were written before a restore.");

    static PostgresMetrics()
    {
        Meter.CreateObservableGauge(
            "pipelines.postgres.cdc.retained_wal",
            () => Readers.Keys.Select(r => new Measurement<long>(r.RetainedWalBytes, new KeyValuePair<string, object?>("slot", r.Slot))),
            "By",
            "WAL a change-data-capture source's slot keeps (from its restart LSN to the server's end), because the pipeline has not confirmed it yet.");
    }

    public static void Track(IRetainedWal reader) => Readers.TryAdd(reader, 0);

    public static void Untrack(IRetainedWal reader) => Readers.TryRemove(reader, out _);
}

/// <summary>A reader whose slot retains WAL.</summary>
internal interface IRetainedWal
{
    string Slot { get; }

    long RetainedWalBytes { get; }
}
