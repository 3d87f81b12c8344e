using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using Npgsql.PostgresTypes;
using NpgsqlTypes;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// The replication task of a <see cref="CdcReader{T}"/>: reads the initial snapshot through a cursor in the
/// transaction that imported the slot's exported snapshot, then the <c>pgoutput</c> stream, and turns each row into a
/// <see cref="CdcEntry{T}"/> for the reader's channel — a change (mapped to <typeparamref name="T"/>), a row that did
/// not map, or the end of a transaction or of the snapshot — with the position right after it. On a resume at a
/// position inside a transaction, the changes of that transaction read before are skipped.
/// </summary>
internal sealed class ChangeStream<T>(
    string name,
    PostgresCdcOptions options,
    LogicalReplicationConnection replication,
    PgOutputReplicationSlot slot,
    NpgsqlConnection? snapshot,
    DateTimeOffset snapshotTime,
    (string Name, string Quoted)[] tables,
    IReadOnlyDictionary<string, string[]> primaryKeys,
    ulong resumeLsn,
    long resumeSkip,
    ILogger logger,
    ChannelWriter<CdcEntry<T>> writer,
    TimeProvider time)
{
    private const int SnapshotFetch = 4096;
    private readonly Dictionary<uint, RelationInfo> _relations = [];
    private readonly EnumTypes _enums = new(options.ConnectionString, name, logger, time);

    // The changes of the transaction committing at _resumeLsn up to _resumeSkip were read before this run.
    private ulong _resumeLsn = resumeLsn;
    private long _resumeSkip = resumeSkip;
    private volatile bool _streaming;
    private volatile bool _inTransaction;

    /// <summary>
    /// True once the replication stream has delivered its first message: from then on the connection is streaming
    /// and a status update may be sent at any time. Before (the snapshot is still read, or the server has not answered
    /// <c>START_REPLICATION</c> yet) a status is only set, and goes with the first update the connection sends.
    /// </summary>
    public bool Streaming => _streaming;

    /// <summary>
    /// False between transactions: every change of the transactions received so far is in the reader's channel.
    /// Set when a transaction begins, cleared once its end is in the channel.
    /// </summary>
    public bool InTransaction => _inTransaction;

    /// <summary>Reads the snapshot (when there is one), then the replication stream from <paramref name="start"/> (the slot's confirmed LSN when null), until cancelled or failed; completes the channel either way.</summary>
    public async Task RunAsync(NpgsqlLogSequenceNumber? start, CancellationToken cancellationToken)
    {
        try
        {
            if (snapshot is not null) await ReadSnapshotAsync(cancellationToken).ConfigureAwait(false);
            var protocol = new PgOutputReplicationOptions(options.PublicationName, PgOutputProtocolVersion.V1, binary: true);
            ulong transactionLsn = 0;
            long index = 0;
            DateTimeOffset commitTime = default;
            uint xid = 0;
            await foreach (var message in replication.StartReplication(slot, protocol, cancellationToken, start).ConfigureAwait(false))
            {
                _streaming = true;
                switch (message)
                {
                    case BeginMessage begin:
                        _inTransaction = true;
                        transactionLsn = (ulong)begin.TransactionFinalLsn;
                        commitTime = new DateTimeOffset(DateTime.SpecifyKind(begin.TransactionCommitTimestamp, DateTimeKind.Utc));
                        xid = begin.TransactionXid;
                        index = 0;
                        break;
                    case RelationMessage relation:
                        _relations[relation.RelationId] = RelationInfo.From(relation, RowMapper<T>.Instance.Needs, PrimaryKeyOf(relation));
                        break;
                    case InsertMessage insert:
                        {
                            var info = _relations[insert.Relation.RelationId];
                            var (after, _) = await ReadRowAsync(info, insert.NewRow, keyOnly: false, null, cancellationToken).ConfigureAwait(false);
                            await EmitAsync(ChangeOperation.Insert, info, null, after, transactionLsn, commitTime, xid, index++, cancellationToken).ConfigureAwait(false);
                            break;
                        }

                    case UpdateMessage update:
                        {
                            var info = _relations[update.Relation.RelationId];
                            bool fullBefore = update is FullUpdateMessage;
                            PostgresRow? before = update switch
                            {
                                FullUpdateMessage full => (await ReadRowAsync(info, full.OldRow, keyOnly: false, null, cancellationToken).ConfigureAwait(false)).Row,
                                IndexUpdateMessage keyed => (await ReadRowAsync(info, keyed.Key, keyOnly: true, null, cancellationToken).ConfigureAwait(false)).Row,
                                _ => null,
                            };

                            // A large (TOASTed) value the update did not change is not sent; the whole old row (REPLICA IDENTITY FULL) holds it.
                            var (after, unchanged) = await ReadRowAsync(info, update.NewRow, keyOnly: false, fullBefore ? before : null, cancellationToken).ConfigureAwait(false);
                            await EmitAsync(ChangeOperation.Update, info, before, after, transactionLsn, commitTime, xid, index++, cancellationToken, unchanged).ConfigureAwait(false);
                            break;
                        }

                    case DeleteMessage delete:
                        {
                            var info = _relations[delete.Relation.RelationId];
                            PostgresRow? before = delete switch
                            {
                                FullDeleteMessage full => (await ReadRowAsync(info, full.OldRow, keyOnly: false, null, cancellationToken).ConfigureAwait(false)).Row,
                                KeyDeleteMessage keyed => (await ReadRowAsync(info, keyed.Key, keyOnly: true, null, cancellationToken).ConfigureAwait(false)).Row,
                                _ => null,
                            };
                            await EmitAsync(ChangeOperation.Delete, info, before, null, transactionLsn, commitTime, xid, index++, cancellationToken).ConfigureAwait(false);
                            break;
                        }

                    case CommitMessage commit:
                        {
                            // Past the whole transaction: a stream started at its end LSN begins with the next one.
                            var end = new CdcEntry<T>(CdcEntryKind.TransactionEnd, null, 0, (ulong)commit.TransactionEndLsn, 0, null, null);
                            if (!writer.TryWrite(end)) await writer.WriteAsync(end, cancellationToken).ConfigureAwait(false);
                            _inTransaction = false;
                            break;
                        }

                    case TruncateMessage truncate:
                        foreach (var r in truncate.Relations)
                        {
                            // One record per truncated table: the rows it removed are not sent, so it carries none.
                            var info = _relations.TryGetValue(r.RelationId, out var known) ? known : RelationInfo.From(r, RowMapper<T>.Instance.Needs, PrimaryKeyOf(r));
                            PostgresLog.Truncated(logger, name, info.Table, new NpgsqlLogSequenceNumber(transactionLsn).ToString());
                            await EmitAsync(ChangeOperation.Truncate, info, null, null, transactionLsn, commitTime, xid, index++, cancellationToken).ConfigureAwait(false);
                        }

                        break;
                }
            }

            writer.TryComplete(new InvalidOperationException($"Source '{name}': the server ended the replication stream of slot '{options.Slot}'."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(new InvalidOperationException($"Source '{name}': reading the replication stream of slot '{options.Slot}' failed: {ex.Message}", ex));
        }
    }

    private async ValueTask EmitAsync(
        ChangeOperation operation, RelationInfo info, PostgresRow? before, PostgresRow? after,
        ulong transactionLsn, DateTimeOffset commitTime, uint xid, long index, CancellationToken cancellationToken, string[]? unchanged = null)
    {
        if (transactionLsn == _resumeLsn && index < _resumeSkip) return;
        CdcEntry<T> entry;

        // The row a mapping error is about: the old row of an update while it is mapped, else the new one.
        PostgresRow? failed = after ?? before;
        try
        {
            if (unchanged is not null)
            {
                // Without the old value the row is incomplete: as a record the member would read null, and a replica would overwrite its value.
                throw new PostgresMappingException(
                    info.Table, after!.KeyDescription(info.KeyColumns), unchanged[0],
                    $"the update left the large (TOASTed) value{(unchanged.Length > 1 ? "s" : "")} of {string.Join(", ", unchanged)} unchanged, and the server sends such a value " +
                    $"only with the whole old row; run ALTER TABLE {info.Table} REPLICA IDENTITY FULL so that updates carry it.");
            }

            var mapper = RowMapper<T>.Instance;
            T? old = default;
            if (before is not null)
            {
                failed = before;
                old = mapper.Map(before, info.KeyColumns);
                failed = after ?? before;
            }

            var record = new ChangeRecord<T>(
                operation, info.Table, old,
                after is null ? default : mapper.Map(after, info.KeyColumns),
                new NpgsqlLogSequenceNumber(transactionLsn), commitTime, xid, index);
            entry = new(CdcEntryKind.Change, record, commitTime.UtcTicks, transactionLsn, index + 1, null, null);
        }
        catch (PostgresMappingException ex)
        {
            var error = after is not null && ReferenceEquals(failed, before)
                ? new PostgresMappingException(ex.Table, ex.Key, ex.Column, $"the old row (before the update): {ex.Reason}", ex.InnerException)
                : ex;
            entry = new(CdcEntryKind.Bad, null, 0, transactionLsn, index + 1, failed, error);
        }

        if (!writer.TryWrite(entry)) await writer.WriteAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The primary key of a captured table, as it was when the source started (none for a table not captured).</summary>
    private string[] PrimaryKeyOf(RelationMessage relation) => primaryKeys.GetValueOrDefault(relation.Namespace + "." + relation.RelationName) ?? [];

    /// <summary>
    /// Reads a row: its key columns, or the columns the mapping needs and the key (<see cref="RelationInfo.Read"/>). A large value the update did not change is not sent: it is taken from <paramref name="old"/> (the
    /// whole old row, same columns) when there is one; the names of the columns left without their value are returned
    /// (null when none), and the row holds null for them.
    /// </summary>
    private async ValueTask<(PostgresRow Row, string[]? Unchanged)> ReadRowAsync(
        RelationInfo info, ReplicationTuple tuple, bool keyOnly, PostgresRow? old, CancellationToken cancellationToken)
    {
        var columns = keyOnly ? info.KeyColumns : info.ReadColumns;
        var values = new object?[columns.Length];
        List<string>? unchanged = null;
        int column = 0, slot = 0;
        await foreach (var value in tuple.ConfigureAwait(false))
        {
            // A value not read is skipped by the enumerator, undecoded.
            bool wanted = keyOnly ? info.KeyRead[column] : info.Read[column];
            if (wanted)
            {
                if (value.IsUnchangedToastedValue)
                {
                    if (old is not null && old.ValueArray.Length == values.Length) values[slot] = old.ValueArray[slot];
                    else (unchanged ??= []).Add(columns[slot]);
                }
                else if (!value.IsDBNull)
                {
                    values[slot] = await ReadValueAsync(value, info.Types[column], cancellationToken).ConfigureAwait(false);
                }

                slot++;
            }

            column++;
        }

        return (new PostgresRow(info.Table, columns, values, true), unchanged?.ToArray());
    }

    /// <summary>
    /// One value of a row: a <c>numeric</c> (or a domain over it) through <see cref="NumericAsync"/>, anything else by
    /// Npgsql's default type; a value Npgsql cannot read (a type it does not know, a <c>numeric[]</c> holding NaN) is
    /// marked <see cref="UnreadableValue"/> — Npgsql skips the rest of its bytes, so the row's other values are read —
    /// and only a row that needs it is bad, instead of the error ending the stream. An enum the connection does not know
    /// (created after the process loaded the database's types, as a migration does while the stream runs) is read as
    /// its label, as Npgsql reads an enum it has no mapping for: its wire form is the label's text in either format.
    /// </summary>
    private async ValueTask<object?> ReadValueAsync(ReplicationValue value, uint typeId, CancellationToken cancellationToken)
    {
        var type = value.GetPostgresType();
        while (type is PostgresDomainType domain) type = domain.BaseType;
        if (type.OID == NumericValues.Oid) return await NumericAsync(value, cancellationToken).ConfigureAwait(false);
        if (type is UnknownBackendType && await _enums.IsEnumAsync(typeId, cancellationToken).ConfigureAwait(false))
        {
            return await LabelAsync(value, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await value.Get(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (UnreadableValue.IsValueError(ex))
        {
            return new UnreadableValue(UnreadableValue.TypeNameOf(value.GetPostgresType(), value.GetDataTypeName(), typeId), ex, UnreadableValue.ChangeAdvice);
        }
    }

    /// <summary>An enum's label from its wire form (the same UTF-8 text in the binary and the text format).</summary>
    private static async Task<string> LabelAsync(ReplicationValue value, CancellationToken cancellationToken)
    {
        using var bytes = await WireFormAsync(value, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
    }

    /// <summary>A numeric from its wire form (binary or text), also the ones a decimal cannot hold (<see cref="NumericValues"/>).</summary>
    private static async Task<object> NumericAsync(ReplicationValue value, CancellationToken cancellationToken)
    {
        using var bytes = await WireFormAsync(value, cancellationToken).ConfigureAwait(false);
        return NumericValues.FromText(value.Kind == TupleDataKind.BinaryValue
            ? NumericValues.BinaryToText(bytes.GetBuffer().AsSpan(0, (int)bytes.Length))
            : System.Text.Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length));
    }

    /// <summary>A value's bytes as the server sent them.</summary>
    private static async Task<MemoryStream> WireFormAsync(ReplicationValue value, CancellationToken cancellationToken)
    {
        await using var stream = value.GetStream();
        var bytes = new MemoryStream();
        await stream.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    private async Task ReadSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = snapshot!;
        ulong lsn = (ulong)slot.ConsistentPoint;

        // Taken before the slot was created: every change streamed after the snapshot committed later.
        DateTimeOffset time = snapshotTime;

        long index = 0;
        foreach (var (table, quoted) in tables)
        {
            string[] keys = primaryKeys[table];
            var (select, numericColumns) = await ReplicationCatalog.SnapshotColumnsAsync(connection, quoted, c => keys.Contains(c) || RowMapper<T>.Instance.Needs(c), cancellationToken).ConfigureAwait(false);
            await ReplicationCatalog.ExecuteAsync(connection, $"DECLARE pipelines_snapshot NO SCROLL CURSOR FOR SELECT {select} FROM {quoted}", cancellationToken).ConfigureAwait(false);
            var numeric = new bool[0];
            string[]? columns = null;
            var info = RelationInfo.Snapshot(table, keys);
            while (true)
            {
                int rows = 0;
                await using (var fetch = new NpgsqlCommand($"FETCH {SnapshotFetch} FROM pipelines_snapshot", connection))
                await using (var reader = await fetch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (columns is null)
                    {
                        columns = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
                        numeric = [.. columns.Select(numericColumns.Contains)];
                    }

                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var values = new object?[columns.Length];
                        for (int i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : numeric[i] ? NumericValues.FromText(reader.GetString(i)) : UnreadableValue.ReadOrMark(reader, i, static (r, c) => r.GetValue(c), static _ => UnreadableValue.ChangeAdvice);
                        var row = new PostgresRow(table, columns, values, true);
                        await EmitAsync(ChangeOperation.Snapshot, info, null, row, lsn, time, 0, index++, cancellationToken).ConfigureAwait(false);
                        rows++;
                    }
                }

                if (rows < SnapshotFetch) break;
            }

            await ReplicationCatalog.ExecuteAsync(connection, "CLOSE pipelines_snapshot", cancellationToken).ConfigureAwait(false);
        }

        await ReplicationCatalog.ExecuteAsync(connection, "COMMIT", cancellationToken).ConfigureAwait(false);

        // The snapshot rows carry the consistent point with their index; after them the position is the consistent point itself.
        _resumeLsn = 0;
        _resumeSkip = 0;
        var end = new CdcEntry<T>(CdcEntryKind.SnapshotEnd, null, 0, lsn, 0, null, null);
        await writer.WriteAsync(end, cancellationToken).ConfigureAwait(false);
    }
}
