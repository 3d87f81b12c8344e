using Pipelines.Postgres.ChangeDataCapture;
using Pipelines.Postgres.Query;

namespace Pipelines.Postgres;

/// <summary>
/// Sources that read PostgreSQL: the changes of tables as they are committed (change data capture over logical
/// replication), and the rows of a query (a batch).
/// </summary>
/// <remarks>
/// <para><b>Rows to records.</b> A row maps to the record type a method asks for by column names, ignoring case
/// and underscores (<c>customer_id</c> fills <c>CustomerId</c>): the public constructor with the most parameters,
/// then settable properties; members without a column keep their default. Numbers are converted when the value
/// fits, <c>timestamptz</c> fills <see cref="DateTime"/> or <see cref="DateTimeOffset"/>. Ask for
/// <see cref="PostgresRow"/> to get columns and values as they are. Only the columns a member maps (and a change
/// stream's key) are read: the others cost no decoding.</para>
/// <para><b>Rows that do not map</b> (a NULL for a non-nullable member, a text for a number, a number too large)
/// are never dropped silently: they follow the error policy of the source's stream (<c>OnError</c> right after
/// <see cref="PipelineBuilder.From{T}"/>, else the pipeline's) with a <see cref="PostgresMappingException"/> naming
/// the table, the row's key and the column; dead letters carry the <see cref="PostgresRow"/> (its columns that were read).</para>
/// </remarks>
public static class PostgresSources
{
    /// <summary>
    /// Captures the inserts, updates and deletes committed to <see cref="PostgresCdcOptions.Tables"/>, in commit
    /// order, through a logical replication slot (<c>pgoutput</c>), after an optional snapshot of the tables as they
    /// were when the slot was created. Unbounded; event time is the commit time.
    /// </summary>
    /// <remarks>
    /// <para><b>Positions.</b> The source's position (<see cref="PostgresCdcPosition"/>) is the commit LSN of the
    /// transaction being read and how many of its changes were read. It is confirmed to the server — which may then
    /// release the WAL before it — only when a checkpoint completes (every result derived from the changes before it
    /// is in the sinks) and when a run ends successfully. A restart at a stored position
    /// (<see cref="Source{T, TPosition}.ResumeFrom"/>) reads the changes after it, no gap and no repeat; a restart
    /// without one resumes from what the slot confirmed, so a transaction read in part is read again from its start
    /// (at least once).</para>
    /// <para><b>Slots.</b> The slot (and the publication) are created when missing. A run that created the slot and
    /// ends before its snapshot was read drops the slot again; a slot left behind keeps WAL on the server until it is
    /// dropped (<c>SELECT pg_drop_replication_slot('name')</c>). The WAL between the server's end and the last
    /// confirmed LSN is published as <c>pipelines.postgres.cdc.retained_wal</c> and logged as a warning above
    /// <see cref="PostgresCdcOptions.LagWarningBytes"/>.</para>
    /// </remarks>
    /// <typeparam name="T">The row type: <see cref="PostgresRow"/>, or a record the rows map to by column names.</typeparam>
    /// <param name="options">Connection, tables, slot and publication.</param>
    public static Source<ChangeRecord<T>, PostgresCdcPosition> ChangeDataCapture<T>(PostgresCdcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ = RowMapper<T>.Instance;
        return new CdcSource<T>(options, options.Name ?? $"postgres-cdc:{options.Slot}");
    }

    /// <summary>
    /// The rows of a query, as a batch: the query runs in a read-only transaction and its rows are fetched through a
    /// cursor <paramref name="fetchSize"/> at a time, so memory holds one fetch, not the result.
    /// </summary>
    /// <typeparam name="T">The row type: <see cref="PostgresRow"/>, or a record the rows map to by column names.</typeparam>
    /// <param name="connectionString">The connection string (Npgsql).</param>
    /// <param name="sql">A <c>SELECT</c> (or <c>VALUES</c>, <c>TABLE</c>…), with <c>@name</c> parameters.</param>
    /// <param name="parameters">Values of the parameters; none when null.</param>
    /// <param name="fetchSize">Rows per fetch. Default 10,000.</param>
    /// <param name="name">The source's name in errors and metrics; <c>postgres-query</c> when null.</param>
    public static Source<T> Query<T>(string connectionString, string sql, IReadOnlyDictionary<string, object?>? parameters = null, int fetchSize = 10_000, string? name = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fetchSize);
        _ = RowMapper<T>.Instance;
        return new QuerySource<T>(connectionString, sql, parameters ?? new Dictionary<string, object?>(), fetchSize, name ?? "postgres-query");
    }
}
