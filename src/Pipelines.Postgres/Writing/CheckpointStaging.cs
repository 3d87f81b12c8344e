using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Pipelines.Postgres.Writing;

/// <summary>
/// Exactly-once writing through checkpoint ids, for a sink with an <see cref="PostgresSinkOptions.ExactlyOnceId"/> in a
/// run with a checkpoint storage. Rows are staged in a table of their own (durable, invisible to readers of the
/// target) tagged with the checkpoint whose barrier they came before; once a checkpoint is stored, one transaction
/// applies every row staged up to it to the target, deletes them from the stage and records the checkpoint id in the
/// commit table. A checkpoint id already recorded is never applied again, and recovery applies what the restored
/// checkpoint staged but did not commit (a crash between storing it and committing) and discards what later ones staged.
/// </summary>
/// <remarks>
/// The stage is shared by every worker of the sink (same id): the first worker to commit a checkpoint applies the
/// rows of all of them, which is right because a checkpoint is stored only after every sink worker pre-committed
/// it; the others find the id recorded. Commits run on a connection of their own (they come on another thread than
/// the writes). How staged rows reach the target is in <c>CheckpointStaging.Apply.cs</c>.
/// </remarks>
internal sealed partial class CheckpointStaging : IAsyncDisposable
{
    private const string CheckpointColumn = "pipelines_checkpoint";
    private const string WriterColumn = "pipelines_writer";
    private const string DeleteColumn = "pipelines_delete";
    private const string OrderColumn = "pipelines_seq";
    private const string OmittedColumn = "pipelines_omitted";
    private readonly string _sinkName;
    private readonly string _target;
    private readonly string _targetName;
    private readonly TableColumn[] _columns;
    private readonly int[] _keys;
    private readonly string _id;
    private readonly string _commitTable;
    private readonly string _stage;
    private readonly string _columnList;
    private readonly PostgresSinkOptions _options;
    private readonly NpgsqlConnection _commits;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Guid _writer = Guid.NewGuid();
    private bool _untagged;

    public CheckpointStaging(string connectionString, string sinkName, string target, string targetName, TableColumn[] columns, int[] keys, PostgresSinkOptions options)
    {
        _sinkName = sinkName;
        _target = target;
        _targetName = targetName;
        _columns = columns;
        _keys = keys;
        _options = options;
        _id = options.ExactlyOnceId!;
        _commitTable = Sql.QuoteTable(options.CommitTable);
        _stage = StageTableName(options.CommitTable, _id);
        _columnList = string.Join(", ", columns.Select(c => Sql.Quote(c.Name)));
        _commits = new NpgsqlConnection(connectionString);
    }

    /// <summary>Rows applied to the target (upserted, appended or deleted), for the sink's counters.</summary>
    public event Action<long>? Applied;

    /// <summary>
    /// The stage table of a sink id: <c>pipelines_stage_</c>, the id's letters and digits and a hash of the whole id,
    /// beside the commit table (same schema).
    /// </summary>
    public static string StageTableName(string commitTable, string id)
    {
        string clean = new([.. id.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_').Take(30)]);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..8];
        string name = $"pipelines_stage_{clean}_{hash}";
        int dot = commitTable.Contains('"', StringComparison.Ordinal) ? -1 : commitTable.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? Sql.Quote(name) : Sql.Quote(commitTable[..dot].ToLowerInvariant()) + "." + Sql.Quote(name);
    }

    /// <summary>
    /// A run starts from checkpoint <paramref name="restored"/> (null: from the beginning). Creates the stage when
    /// missing; commits what checkpoints up to <paramref name="restored"/> staged and did not commit; discards what
    /// later checkpoints (and rows not yet at a checkpoint) staged, since the run writes them again. From the beginning,
    /// the id's recorded checkpoint is forgotten too: the new run's checkpoints count from 1 again.
    /// </summary>
    public async ValueTask RecoverAsync(long? restored, CancellationToken cancellationToken)
    {
        await _commits.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {_commitTable} (sink_id text PRIMARY KEY, major bigint, minor bigint, checkpoint_id bigint, committed_at timestamptz NOT NULL DEFAULT now()); " +
            $"CREATE TABLE IF NOT EXISTS {_stage} AS SELECT {_columnList} FROM {_target} WITH NO DATA; " +
            $"ALTER TABLE {_stage} ADD COLUMN IF NOT EXISTS {CheckpointColumn} bigint, ADD COLUMN IF NOT EXISTS {WriterColumn} uuid, " +
            $"ADD COLUMN IF NOT EXISTS {DeleteColumn} boolean NOT NULL DEFAULT false, ADD COLUMN IF NOT EXISTS {OrderColumn} bigint GENERATED ALWAYS AS IDENTITY, " +
            $"ADD COLUMN IF NOT EXISTS {OmittedColumn} text[]",
            null, cancellationToken).ConfigureAwait(false);
        await FollowTargetAsync(cancellationToken).ConfigureAwait(false);

        await using var transaction = await _commits.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long? recorded = await LockRecordedAsync(transaction, cancellationToken).ConfigureAwait(false);
        if (restored is not { } checkpoint)
        {
            await ExecuteAsync($"DELETE FROM {_stage}; UPDATE {_commitTable} SET checkpoint_id = NULL WHERE sink_id = @id", transaction, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (recorded > checkpoint)
            {
                throw new InvalidOperationException(
                    $"Sink '{_sinkName}': the commit table {_options.CommitTable} shows checkpoint {recorded} committed under id '{_id}', but the run restores " +
                    $"checkpoint {checkpoint}, so the rows between would be written twice (the newer checkpoint was damaged or deleted, or another " +
                    $"run uses the id). Restore from checkpoint {recorded}, or delete the id's row from {_options.CommitTable} to write them again.");
            }

            if (recorded != checkpoint) await ApplyAsync(transaction, checkpoint, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync($"DELETE FROM {_stage} WHERE {CheckpointColumn} IS NULL OR {CheckpointColumn} > {checkpoint}", transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The stage was made from the target as it was then: a column added to the target since (and written now) is
    /// added to the stage, and a column whose type changed (a <c>varchar</c> widened) takes the target's type, so
    /// staging does not fail on what the target accepts. Staged rows are converted with the column.
    /// </summary>
    private async ValueTask FollowTargetAsync(CancellationToken cancellationToken)
    {
        var changes = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT t.attname, format_type(t.atttypid, t.atttypmod), s.attname IS NULL " +
            "FROM pg_attribute t LEFT JOIN pg_attribute s ON s.attrelid = to_regclass(@stage) AND s.attname = t.attname AND NOT s.attisdropped " +
            "WHERE t.attrelid = to_regclass(@target) AND t.attnum > 0 AND NOT t.attisdropped " +
            "AND (s.attname IS NULL OR format_type(t.atttypid, t.atttypmod) <> format_type(s.atttypid, s.atttypmod))", _commits))
        {
            command.Parameters.AddWithValue("stage", _stage);
            command.Parameters.AddWithValue("target", _target);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string column = reader.GetString(0);
                if (!_columns.Any(c => c.Name == column)) continue;
                string type = reader.GetString(1), quoted = Sql.Quote(column);
                changes.Add(reader.GetBoolean(2) ? $"ADD COLUMN {quoted} {type}" : $"ALTER COLUMN {quoted} TYPE {type} USING {quoted}::{type}");
            }
        }

        if (changes.Count > 0) await ExecuteAsync($"ALTER TABLE {_stage} {string.Join(", ", changes)}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stages rows on the writer's connection: tagged with <paramref name="checkpoint"/>, or untagged (a full batch
    /// between checkpoints) until the next pre-commit tags them.
    /// </summary>
    public async ValueTask StageAsync(NpgsqlConnection connection, IReadOnlyList<(object?[] Values, bool Delete)> rows, long? checkpoint, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count > 0)
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                $"COPY {_stage} ({_columnList}, {CheckpointColumn}, {WriterColumn}, {DeleteColumn}, {OmittedColumn}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            foreach (var (values, delete) in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                List<string>? omitted = null;
                for (int c = 0; c < _columns.Length; c++)
                {
                    if (values[c] is System.Reflection.Missing) (omitted ??= []).Add(_columns[c].Name);
                    if (values[c] is { } value and not System.Reflection.Missing) await importer.WriteAsync(value, _columns[c].CopyTypeName, cancellationToken).ConfigureAwait(false);
                    else await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                if (checkpoint is { } id) await importer.WriteAsync(id, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                else await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(_writer, NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(delete, NpgsqlTypes.NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                if (omitted is null) await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                else await importer.WriteAsync(omitted.ToArray(), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        if (checkpoint is { } tag && _untagged)
        {
            await using var command = new NpgsqlCommand($"UPDATE {_stage} SET {CheckpointColumn} = @c WHERE {WriterColumn} = @w AND {CheckpointColumn} IS NULL", connection, transaction);
            command.Parameters.AddWithValue("c", tag);
            command.Parameters.AddWithValue("w", _writer);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _untagged = checkpoint is null && (_untagged || rows.Count > 0);
    }

    /// <summary>Checkpoint <paramref name="checkpoint"/> is stored: applies every row staged up to it and records the id, in one transaction, unless the id is recorded already.</summary>
    public async ValueTask CommitAsync(long checkpoint, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = await _commits.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            long? recorded = await LockRecordedAsync(transaction, cancellationToken).ConfigureAwait(false);
            if (recorded >= checkpoint) return;   // another worker of the sink committed it (or a later one)
            await ApplyAsync(transaction, checkpoint, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The input ended, so no checkpoint follows: applies every row this writer staged (at any checkpoint, or none)
    /// in one transaction. The recorded checkpoint id stays as it is.
    /// </summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = await _commits.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await LockRecordedAsync(transaction, cancellationToken).ConfigureAwait(false);
            await ApplyRowsAsync(transaction, $"{WriterColumn} = '{_writer}'", cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The id's recorded checkpoint, its row locked until the transaction ends (so workers and runs commit one after the other).</summary>
    private async Task<long?> LockRecordedAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {_commitTable} (sink_id) VALUES (@id) ON CONFLICT (sink_id) DO NOTHING; SELECT checkpoint_id FROM {_commitTable} WHERE sink_id = @id FOR UPDATE",
            _commits, transaction);
        command.Parameters.AddWithValue("id", _id);
        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is long id ? id : null;
    }

    /// <summary>Applies the rows staged up to <paramref name="checkpoint"/> and records it.</summary>
    private async Task ApplyAsync(NpgsqlTransaction transaction, long checkpoint, CancellationToken cancellationToken)
    {
        await ApplyRowsAsync(transaction, $"{CheckpointColumn} <= {checkpoint}", cancellationToken).ConfigureAwait(false);
        await using var record = new NpgsqlCommand($"UPDATE {_commitTable} SET checkpoint_id = @c, committed_at = now() WHERE sink_id = @id", _commits, transaction);
        record.Parameters.AddWithValue("c", checkpoint);
        record.Parameters.AddWithValue("id", _id);
        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string KeyList(string prefix) => string.Join(", ", _keys.Select(k => prefix + Sql.Quote(_columns[k].Name)));

    private async Task<long> ExecuteAsync(string sql, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _commits, transaction);
        if (sql.Contains("@id", StringComparison.Ordinal)) command.Parameters.AddWithValue("id", _id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool IsRowError(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _commits.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
