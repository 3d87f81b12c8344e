using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// Which types a change stream's connection does not know are enums (or domains over one), asked of the database once
/// per type on a connection of its own: the replication connection cannot query the catalog or reload its types
/// while it streams. A question that fails is asked twice more (after 0.2 and 1 s, logged); then the failure ends the
/// stream, as a failure of the replication connection does, so the run fails or restarts from its last checkpoint —
/// rather than the row being taken as unreadable and set aside by the error policy. Used by one stream's task only.
/// </summary>
internal sealed class EnumTypes(string connectionString, string source, ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan[] Retries = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];
    private readonly Dictionary<uint, bool> _known = [];

    /// <summary>Whether the type with OID <paramref name="oid"/> is an enum or a domain over one.</summary>
    public async ValueTask<bool> IsEnumAsync(uint oid, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(oid, out bool known)) return known;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                bool isEnum = await AskAsync(oid, cancellationToken).ConfigureAwait(false);
                _known[oid] = isEnum;
                return isEnum;
            }
            catch (NpgsqlException ex) when (attempt < Retries.Length && !cancellationToken.IsCancellationRequested)
            {
                PostgresLog.TypeUnresolved(logger, source, oid, ex.Message);
                await Task.Delay(Retries[attempt], time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> AskAsync(uint oid, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {ReplicationCatalog.TypeOrBaseIs("$1", "t.kind = 'e'")}", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlDbType.Oid });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }
}
