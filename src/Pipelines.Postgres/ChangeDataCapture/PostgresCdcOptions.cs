using Microsoft.Extensions.Logging;

namespace Pipelines.Postgres;

/// <summary>Settings of a change-data-capture source (<see cref="PostgresSources.ChangeDataCapture{T}"/>).</summary>
public sealed class PostgresCdcOptions
{
    /// <summary>
    /// The connection string (Npgsql). The user needs the REPLICATION attribute (or to be a superuser), and the server
    /// <c>wal_level = logical</c> with a free replication slot and WAL sender.
    /// </summary>
    public required string ConnectionString { get; init; }

    /// <summary>The tables to capture, as <c>name</c> or <c>schema.name</c>. Also what the publication is created for when it is missing.</summary>
    public required IReadOnlyList<string> Tables { get; init; }

    /// <summary>The replication slot: created when missing (with the initial snapshot, if asked for); an existing one is resumed from where it was confirmed. Slot names are lowercase letters, digits and underscores.</summary>
    public required string Slot { get; init; }

    /// <summary>The publication; <see cref="Slot"/> when null. Created <c>FOR TABLE</c> <see cref="Tables"/> when missing; an existing one must publish exactly <see cref="Tables"/> (the source refuses to start otherwise, naming the tables).</summary>
    public string? Publication { get; init; }

    /// <summary>
    /// When the slot is created, read the tables as they were at that moment first (operation
    /// <see cref="ChangeOperation.Snapshot"/>), from a snapshot the slot exports, so the changes that follow start exactly
    /// where the snapshot ends. Default true. An existing slot is never snapshotted again, unless a position says its
    /// snapshot was not finished.
    /// </summary>
    public bool Snapshot { get; init; } = true;

    /// <summary>How far the source's watermark stays behind the latest commit time it read (commit times of concurrent transactions may be slightly out of order). Default 1 s.</summary>
    public TimeSpan WatermarkDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Above this many bytes of WAL kept by the slot (from its restart LSN to the server's end: what the pipeline has
    /// not confirmed yet), a warning is logged; the amount is published as the metric
    /// <c>pipelines.postgres.cdc.retained_wal</c>. Default 256 MiB.
    /// </summary>
    public long LagWarningBytes { get; init; } = 256L << 20;

    /// <summary>How often the retained WAL is measured (one query on a connection of its own), on the run's clock. Default 10 s.</summary>
    public TimeSpan LagCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the replication stream may stay silent before the source asks the server how far it has decoded.
    /// A checkpoint taken while nothing of the captured tables is in flight confirms that point, so a slot on quiet
    /// tables in a busy database lets the server release the WAL of everything else instead of keeping it until the
    /// next captured change. The connection is given up when the server does not answer for twice this long.
    /// Default 30 s (Npgsql's own default).
    /// </summary>
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many changes are read ahead of the pipeline (memory). Default 16,384.</summary>
    public int BufferSize { get; init; } = 16_384;

    /// <summary>Where warnings go (retained WAL, truncates, slots dropped for a new snapshot); none when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The source's name in errors and metrics; <c>postgres-cdc:&lt;slot&gt;</c> when null.</summary>
    public string? Name { get; init; }

    internal string PublicationName => Publication ?? Slot;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString)) throw new ArgumentException("ConnectionString is required.", nameof(ConnectionString));
        if (Tables is null || Tables.Count == 0) throw new ArgumentException("Tables must name at least one table to capture.", nameof(Tables));
        if (string.IsNullOrWhiteSpace(Slot) || !Slot.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"Slot '{Slot}' is not a valid replication slot name: use lowercase letters, digits and underscores.", nameof(Slot));
        }

        if (BufferSize <= 0) throw new ArgumentOutOfRangeException(nameof(BufferSize), BufferSize, "BufferSize must be positive.");
        if (LagCheckInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(LagCheckInterval), LagCheckInterval, "LagCheckInterval must be positive.");
        if (KeepaliveInterval < TimeSpan.FromMilliseconds(100) || KeepaliveInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(KeepaliveInterval), KeepaliveInterval,
                "KeepaliveInterval must be between 100 ms and 1 hour: the connection is given up when the server does not answer for twice as long.");
        }
        if (WatermarkDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(WatermarkDelay), WatermarkDelay, "WatermarkDelay must not be negative.");
    }
}
