using NpgsqlTypes;

namespace Pipelines.Postgres;

/// <summary>
/// One change captured from PostgreSQL: a row read by the initial snapshot, or an insert, update or delete from
/// the write-ahead log, in commit order. Its event time (when the source provides event time) is
/// <see cref="CommitTime"/>.
/// </summary>
/// <typeparam name="T">The row type (<see cref="PostgresRow"/>, or a record the rows map to).</typeparam>
/// <param name="Operation">What happened.</param>
/// <param name="Table">The table, as <c>schema.name</c>.</param>
/// <param name="Before">
/// The row before the change: for deletes and updates, the key columns the server sends (the whole old row when the
/// table's replica identity is FULL; for an update that did not change the key, none: null). Null for snapshots and inserts.
/// </param>
/// <param name="After">
/// The row after the change; null for deletes. Complete: a large (TOASTed) value an update left unchanged is taken
/// from the whole old row under REPLICA IDENTITY FULL; without it such an update is reported as a bad record.
/// </param>
/// <param name="Lsn">The log sequence number of the transaction's commit (for snapshot rows, the slot's consistent point).</param>
/// <param name="CommitTime">When the transaction committed (for snapshot rows, the server's time just before the slot was created: earlier than any change streamed after the snapshot).</param>
/// <param name="TransactionId">The transaction id (0 for snapshot rows).</param>
/// <param name="Index">The change's place within its transaction (within the snapshot for snapshot rows), from 0.</param>
public sealed record ChangeRecord<T>(
    ChangeOperation Operation,
    string Table,
    T? Before,
    T? After,
    NpgsqlLogSequenceNumber Lsn,
    DateTimeOffset CommitTime,
    uint TransactionId,
    long Index)
{
    /// <summary>
    /// The change's place in the stream: commit LSN, then the index within the transaction. Increases along the stream;
    /// use it for an exactly-once sink (<see cref="PostgresSinkOptions.ExactlyOnceId"/>). Snapshot rows take the LSN
    /// just before the consistent point: the first transaction streamed after the snapshot can commit exactly at the
    /// consistent point, and its changes must come after every snapshot row (with equal LSNs its first changes sorted
    /// among the snapshot's, and a sink that had committed the snapshot skipped them).
    /// </summary>
    public WriteSequence Sequence => new((long)(ulong)Lsn - (Operation == ChangeOperation.Snapshot ? 1 : 0), Index);
}
