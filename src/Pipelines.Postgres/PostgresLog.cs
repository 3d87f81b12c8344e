using Microsoft.Extensions.Logging;

namespace Pipelines.Postgres;

/// <summary>The package's log messages (source-generated).</summary>
internal static partial class PostgresLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "PostgreSQL source {Source}: slot {Slot} retains {Bytes} bytes of WAL (the server is at {WalEnd}, the slot's confirmed LSN is {Confirmed}); the pipeline is behind, or its checkpoints do not complete")]
    public static partial void RetainedWal(ILogger logger, string source, string slot, long bytes, string walEnd, string confirmed);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "PostgreSQL source {Source}: created publication {Publication} for {Tables}")]
    public static partial void PublicationCreated(ILogger logger, string source, string publication, string tables);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "PostgreSQL source {Source}: created slot {Slot} at {Lsn}{Snapshot}")]
    public static partial void SlotCreated(ILogger logger, string source, string slot, string lsn, string snapshot);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "PostgreSQL source {Source}: the snapshot of slot {Slot} was not finished; the slot is dropped and created again with a new snapshot")]
    public static partial void SnapshotRestarted(ILogger logger, string source, string slot);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "PostgreSQL source {Source}: slot {Slot} exists, but the run's checkpoints hold no position of this source, so the slot may have been left by a run that stopped before its first checkpoint, inside its initial snapshot; the slot is dropped and created again with a new snapshot")]
    public static partial void SlotWithoutStoredPosition(ILogger logger, string source, string slot);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "PostgreSQL source {Source}: table {Table} was truncated at {Lsn}; passed on as a change record with operation Truncate")]
    public static partial void Truncated(ILogger logger, string source, string table, string lsn);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "PostgreSQL source {Source}: the WAL retained by slot {Slot} could not be measured (tried again at the next check): {Reason}")]
    public static partial void LagUnmeasured(ILogger logger, string source, string slot, string reason);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "PostgreSQL source {Source}: slot {Slot}, whose snapshot did not all reach the sinks, could not be dropped: drop it (SELECT pg_drop_replication_slot('{Slot}')) before the next run, which otherwise resumes from the slot without the snapshot's rows (unless it is restored from a position taken during the snapshot); until then the server keeps WAL for it: {Reason}")]
    public static partial void SlotNotDropped(ILogger logger, string source, string slot, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "PostgreSQL sink {Sink}: skipped a row the server refused: {Reason}")]
    public static partial void RowRejected(ILogger logger, string sink, string reason);

    [LoggerMessage(EventId = 309, Level = LogLevel.Warning, Message = "PostgreSQL source {Source}: could not ask the database whether the type with OID {Oid}, which the stream's connection does not know, is an enum (asked again shortly; a third failure ends the stream): {Reason}")]
    public static partial void TypeUnresolved(ILogger logger, string source, uint oid, string reason);
}
