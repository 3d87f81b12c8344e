using Npgsql;
using NpgsqlTypes;

namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>What a change-data-capture source asks and tells the catalog: tables, publication, slot, primary keys.</summary>
internal static class ReplicationCatalog
{
    /// <summary>Each table as <c>schema.name</c> and quoted; throws naming the first that does not exist.</summary>
    public static async Task<(string Name, string Quoted)[]> ResolveTablesAsync(NpgsqlConnection connection, IReadOnlyList<string> tables, string source, CancellationToken cancellationToken)
    {
        var resolved = new List<(string, string)>();
        foreach (string table in tables)
        {
            await using var command = new NpgsqlCommand(
                "SELECT n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(@t)", connection);
            command.Parameters.AddWithValue("t", Sql.QuoteTable(table));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ArgumentException($"Source '{source}': table '{table}' does not exist in the database the connection string names.");
            }

            resolved.Add((reader.GetString(0), reader.GetString(1)));
        }

        return [.. resolved];
    }

    /// <summary>Creates the publication for the tables unless it exists; true when this call created it.</summary>
    public static async Task<bool> EnsurePublicationAsync(NpgsqlConnection connection, string publication, (string Name, string Quoted)[] tables, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_publication WHERE pubname = @p", connection);
        exists.Parameters.AddWithValue("p", publication);
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0) return false;
        try
        {
            await ExecuteAsync(connection, $"CREATE PUBLICATION {Sql.Quote(publication)} FOR TABLE {string.Join(", ", tables.Select(t => t.Quoted))}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateObject)
        {
            return false; // another run created it meanwhile
        }
    }

    /// <summary>The LSN the slot confirmed, or null when there is no such slot; throws when the name is taken by another kind of slot.</summary>
    public static async Task<ulong?> SlotConfirmedFlushAsync(NpgsqlConnection connection, string slot, string source, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT confirmed_flush_lsn, plugin, database = current_database() FROM pg_replication_slots WHERE slot_name = @s", connection);
        command.Parameters.AddWithValue("s", slot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        if (reader.IsDBNull(1) || reader.GetString(1) != "pgoutput" || !reader.GetBoolean(2))
        {
            throw new InvalidOperationException($"Source '{source}': replication slot '{slot}' exists but is not a pgoutput slot of this database; name another slot.");
        }

        return reader.IsDBNull(0) ? 0 : (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(0);
    }

    /// <summary>Drops the slot if it exists.</summary>
    public static async Task DropSlotAsync(NpgsqlConnection connection, string slot, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = @s", connection);
        command.Parameters.AddWithValue("s", slot);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The primary key columns of a (quoted) table, in column order; none when it has no primary key.</summary>
    public static async Task<string[]> PrimaryKeyAsync(NpgsqlConnection connection, string quotedTable, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = {Sql.Literal(quotedTable)}::regclass AND i.indisprimary ORDER BY a.attnum",
            connection);
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) keys.Add(reader.GetString(0));
        return [.. keys];
    }

    /// <summary>
    /// The select list that reads every column of a (quoted) table as the replication stream sends it: <c>numeric</c>
    /// columns as text (<see cref="NumericValues.FromText"/>), since Npgsql cannot read NaN, ±Infinity or more than 28
    /// digits as a decimal; the others as they are.
    /// </summary>
    public static async Task<(string Select, HashSet<string> Numeric)> SnapshotColumnsAsync(NpgsqlConnection connection, string quotedTable, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT attname, atttypid = 'numeric'::regtype FROM pg_attribute WHERE attrelid = {Sql.Literal(quotedTable)}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            connection);
        var columns = new List<string>();
        var numeric = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string name = Sql.Quote(reader.GetString(0));
            if (reader.GetBoolean(1)) numeric.Add(reader.GetString(0));
            columns.Add(reader.GetBoolean(1) ? $"{name}::text AS {name}" : name);
        }

        return (columns.Count == 0 ? "*" : string.Join(", ", columns), numeric);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
