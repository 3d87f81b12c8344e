using Pipelines.Postgres.Writing;

namespace Pipelines.Postgres;

/// <summary>
/// Sinks that write to a PostgreSQL table. Columns are filled from the element's public properties and fields by
/// name, ignoring case and underscores (<c>CustomerId</c> fills <c>customer_id</c>), or from a
/// <see cref="PostgresRow"/>'s columns; table columns without a member keep their default. A
/// <see cref="PostgresRow"/> without one of the table's columns leaves it to its default (an upsert of an existing
/// row keeps its value); one without its key, or without a <c>NOT NULL</c> column that has no default, is an error
/// naming the column.
/// </summary>
/// <remarks>
/// <para><b>Batches.</b> Rows are kept until <see cref="PostgresSinkOptions.BatchSize"/> of them wait, the oldest is
/// <see cref="PostgresSinkOptions.FlushInterval"/> old (checked as results arrive), a checkpoint comes or the input
/// ends; each batch is one transaction. A checkpoint completes only after its batch committed, so the sources'
/// positions never run ahead of the table.</para>
/// <para><b>Guarantees.</b> After a failure the pipeline replays from the last checkpoint, so by default rows are
/// written at least once: an upsert then gives the same final table, an append may hold duplicates. With
/// <see cref="PostgresSinkOptions.ExactlyOnceId"/> each element is written exactly once, in one of two ways. In a run
/// with a <see cref="StreamingOptions.CheckpointStorage"/>, rows are staged (durably, out of sight) per checkpoint
/// and committed to the table when the checkpoint is stored, in one transaction that records the checkpoint id in
/// <see cref="PostgresSinkOptions.CommitTable"/>; a restored run commits what its checkpoint staged, discards what
/// later ones staged, and never applies a recorded checkpoint twice. Without checkpoint storage, the sink needs a
/// sequence per element: it records the highest sequence of each batch in the batch's own transaction and skips
/// what is at or below it after a restore (the elements must reach it in sequence order).</para>
/// <para><b>Rows that do not fit.</b> A value that cannot go into its column (a text for a number, a number out of
/// range, a null for a NOT NULL column, a text longer than <c>varchar(n)</c>) is found when the element is written
/// and follows the pipeline's error policy (<see cref="PipelineBuilder.OnError"/>) with a
/// <see cref="PostgresMappingException"/> naming the table, the key and the column. A row the server refuses when
/// the batch is written (a unique, check or foreign-key constraint) follows
/// <see cref="PostgresSinkOptions.RejectedRows"/>: fail the run naming table, key and constraint, or skip it
/// (logged and counted) and write the rest of the batch.</para>
/// </remarks>
public static class PostgresSinks
{
    /// <summary>Appends every element as a row, with binary COPY.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="connectionString">The connection string (Npgsql).</param>
    /// <param name="table">The table, as <c>name</c> or <c>schema.name</c>; it must exist.</param>
    /// <param name="options">Batching, exactly-once, rejected rows; defaults when null.</param>
    /// <param name="sequence">Each element's place in its ordered input: with <see cref="PostgresSinkOptions.ExactlyOnceId"/>, required in runs without checkpoint storage (ignored in runs with it).</param>
    public static PostgresSink<T> Append<T>(string connectionString, string table, PostgresSinkOptions? options = null, Func<T, WriteSequence>? sequence = null) =>
        Create(connectionString, table, [], typeof(T), new RecordShape<T>(), sequence, options);

    /// <summary>
    /// Inserts every element as a row, or updates the row with its key (<c>INSERT … ON CONFLICT DO UPDATE</c>
    /// through a temporary staging table filled with binary COPY); within a batch the last element of a key wins.
    /// The table needs a primary key or unique index on exactly <paramref name="key"/>.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="connectionString">The connection string (Npgsql).</param>
    /// <param name="table">The table, as <c>name</c> or <c>schema.name</c>; it must exist.</param>
    /// <param name="key">The key columns.</param>
    /// <param name="options">Batching, exactly-once, rejected rows; defaults when null.</param>
    /// <param name="sequence">Each element's place in its ordered input: with <see cref="PostgresSinkOptions.ExactlyOnceId"/>, required in runs without checkpoint storage (ignored in runs with it).</param>
    public static PostgresSink<T> Upsert<T>(string connectionString, string table, IReadOnlyList<string> key, PostgresSinkOptions? options = null, Func<T, WriteSequence>? sequence = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Count == 0) throw new ArgumentException("An upsert needs at least one key column.", nameof(key));
        return Create(connectionString, table, key, typeof(T), new RecordShape<T>(), sequence, options);
    }

    /// <summary>
    /// Applies change records to a table by key: snapshot rows, inserts and updates upsert <see cref="ChangeRecord{T}.After"/>,
    /// deletes remove the key of <see cref="ChangeRecord{T}.Before"/>, and an update whose <see cref="ChangeRecord{T}.Before"/>
    /// has another key than its <see cref="ChangeRecord{T}.After"/> also removes the old key — a replica of a captured
    /// table, kept in step. A truncate is not applied: it is a bad element (a <see cref="PostgresMappingException"/>
    /// under the pipeline's error policy). Within a batch the last change of a key wins. With <see cref="PostgresSinkOptions.ExactlyOnceId"/> in a
    /// run without checkpoint storage, the records' own <see cref="ChangeRecord{T}.Sequence"/> is recorded.
    /// </summary>
    /// <typeparam name="T">The row type of the change records.</typeparam>
    /// <param name="connectionString">The connection string (Npgsql).</param>
    /// <param name="table">The table, as <c>name</c> or <c>schema.name</c>; it must exist with a primary key or unique index on <paramref name="key"/>.</param>
    /// <param name="key">The key columns.</param>
    /// <param name="options">Batching, exactly-once, rejected rows; defaults when null.</param>
    public static PostgresSink<ChangeRecord<T>> Changes<T>(string connectionString, string table, IReadOnlyList<string> key, PostgresSinkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Count == 0) throw new ArgumentException("Applying changes needs at least one key column.", nameof(key));
        return Create(connectionString, table, key, typeof(T), new ChangeShape<T>(), r => r.Sequence, options);
    }

    private static PostgresSink<T> Create<T>(string connectionString, string table, IReadOnlyList<string> key, Type rowType, RowShape<T> shape, Func<T, WriteSequence>? sequence, PostgresSinkOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        options ??= new PostgresSinkOptions();
        options.Validate();
        return new PostgresSink<T>(connectionString, table, [.. key], rowType, shape, options.ExactlyOnceId is null ? null : sequence, options);
    }
}
