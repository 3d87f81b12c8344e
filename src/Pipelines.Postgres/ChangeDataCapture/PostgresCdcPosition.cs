namespace Pipelines.Postgres;

/// <summary>
/// How far a change-data-capture source has read: the end LSN of the last transaction it read to its end, or, in the
/// middle of a transaction, its commit LSN and how many of its changes had been returned; or that the initial
/// snapshot was not finished. Captured at checkpoints;
/// the LSN is confirmed to the server (so it may release the WAL before it) only once the checkpoint completes.
/// Resuming at a position re-reads nothing that came before it and skips nothing after it. Immutable; serializes
/// with System.Text.Json.
/// </summary>
/// <param name="Lsn">Where the stream resumes, as PostgreSQL writes an LSN (<c>0/16B3748</c>): the end of the last transaction read, the commit LSN of one read in part, or the slot's consistent point before any change.</param>
/// <param name="Skip">How many changes of the transaction that commits at <paramref name="Lsn"/> have been read (it is streamed again from its start on resume, and these are skipped); 0 between transactions.</param>
/// <param name="SnapshotDone">False while the initial snapshot was still being read: a resume then drops the slot and starts over with a new snapshot.</param>
public sealed record PostgresCdcPosition(string Lsn, long Skip, bool SnapshotDone);
