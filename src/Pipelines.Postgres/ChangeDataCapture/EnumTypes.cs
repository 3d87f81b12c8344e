using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>
/// Which types a change stream's connection does not know are enums (or domains over one), asked of the database once
/// per type on a connection of its own: the replication connection cannot query the catalog or reload its types
/// while it streams. A question that fails (the database out of reach for a moment) leaves the value unreadable, as
/// it was before the question, and is asked again at the type's next value: it does not end the stream. Used by one
/// stream's task only.
/// </summary>
internal sealed class EnumTypes(string connectionString, string source, ILogger logger)
{
    private readonly Dictionary<uint, bool> _known = [];

    /// <summary>Whether the type with OID <paramref name="oid"/> is an enum or a domain over one; false when that cannot be asked now.</summary>
    public async ValueTask<bool> IsEnumAsync(uint oid, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(oid, out bool known)) return known;
        try
        {
            bool isEnum = await AskAsync(oid, cancellationToken).ConfigureAwait(false);
            _known[oid] = isEnum;
            return isEnum;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            PostgresLog.TypeUnresolved(logger, source, oid, ex.Message);
            return false;
        }
    }

    private async Task<bool> AskAsync(uint oid, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "WITH RECURSIVE t(oid, base, kind) AS (SELECT oid, typbasetype, typtype FROM pg_type WHERE oid = $1 " +
            "UNION ALL SELECT p.oid, p.typbasetype, p.typtype FROM pg_type p JOIN t ON p.oid = t.base) SELECT EXISTS (SELECT 1 FROM t WHERE t.kind = 'e')",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlDbType.Oid });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }
}
