using Npgsql;

namespace Pipelines.Postgres.Writing;

// Exactly once by element sequence (an ExactlyOnceId and a sequence per element, no checkpoint storage): the highest
// sequence written is recorded in the commit table in the batch's own transaction; after a restart, elements at or
// below it are skipped (in Buffer).
internal sealed partial class PostgresSinkWriter<T>
{
    private async Task<WriteSequence?> ReadCommittedAsync(CancellationToken cancellationToken)
    {
        string table = Sql.QuoteTable(_options.CommitTable);
        await ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {table} (sink_id text PRIMARY KEY, major bigint, minor bigint, checkpoint_id bigint, committed_at timestamptz NOT NULL DEFAULT now())",
            cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT major, minor FROM {table} WHERE sink_id = @id", _connection);
        command.Parameters.AddWithValue("id", _options.ExactlyOnceId!);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0) ? new WriteSequence(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    private async Task RecordCommitAsync(CancellationToken cancellationToken)
    {
        if (_options.ExactlyOnceId is null || _pendingMax is not { } max) return;
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {Sql.QuoteTable(_options.CommitTable)} (sink_id, major, minor, committed_at) VALUES (@id, @major, @minor, now()) " +
            "ON CONFLICT (sink_id) DO UPDATE SET major = EXCLUDED.major, minor = EXCLUDED.minor, committed_at = EXCLUDED.committed_at", _connection);
        command.Parameters.AddWithValue("id", _options.ExactlyOnceId);
        command.Parameters.AddWithValue("major", max.Major);
        command.Parameters.AddWithValue("minor", max.Minor);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
