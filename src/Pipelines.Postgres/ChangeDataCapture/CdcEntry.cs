namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>What the replication task hands the reader: a change, a row that could not be mapped, the end of a transaction or of the snapshot; each with the position right after it.</summary>
internal readonly record struct CdcEntry<T>(CdcEntryKind Kind, ChangeRecord<T>? Record, long Ticks, ulong TransactionLsn, long SkipAfter, PostgresRow? BadRow, Exception? Error);

internal enum CdcEntryKind
{
    Change,
    Bad,
    SnapshotEnd,
    TransactionEnd,
}
