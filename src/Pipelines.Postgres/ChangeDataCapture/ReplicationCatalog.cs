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

    /// <summary>
    /// Creates the publication for the tables unless it exists; true when this call created it. An existing one must
    /// publish exactly these tables: a table it lacks would never send a change (and a table added to the options
    /// later has no snapshot in the existing slot), and another table's changes would be read as rows of this source.
    /// </summary>
    public static async Task<bool> EnsurePublicationAsync(NpgsqlConnection connection, string publication, (string Name, string Quoted)[] tables, string source, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_publication WHERE pubname = @p", connection);
        exists.Parameters.AddWithValue("p", publication);
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
        {
            await CheckPublishedTablesAsync(connection, publication, tables, source, cancellationToken).ConfigureAwait(false);
            return false;
        }

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

    private static async Task CheckPublishedTablesAsync(NpgsqlConnection connection, string publication, (string Name, string Quoted)[] tables, string source, CancellationToken cancellationToken)
    {
        // By partition root: a publication of a partitioned table lists its partitions (publish_via_partition_root off).
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT n.nspname || '.' || c.relname FROM pg_publication_tables t " +
            "CROSS JOIN LATERAL (SELECT format('%I.%I', t.schemaname, t.tablename)::regclass AS rel) r " +
            "JOIN pg_class c ON c.oid = COALESCE(pg_partition_root(r.rel), r.rel) JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE t.pubname = @p", connection);
        command.Parameters.AddWithValue("p", publication);
        var published = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) published.Add(reader.GetString(0));
        }

        var missing = tables.Select(t => t.Name).Where(t => !published.Contains(t)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Source '{source}': publication '{publication}' exists but does not publish {string.Join(", ", missing)}, so no change of {(missing.Count == 1 ? "that table" : "those tables")} would arrive. " +
                $"Capture a changed list of tables under a new Slot (and publication) name, which takes a snapshot of every table, or drop the old publication and slot; ALTER PUBLICATION … ADD TABLE alone would send the table's changes but not its existing rows.");
        }

        var extra = published.Where(t => !tables.Any(r => r.Name == t)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            throw new InvalidOperationException(
                $"Source '{source}': publication '{publication}' also publishes {string.Join(", ", extra.Take(5))}{(extra.Count > 5 ? $" and {extra.Count - 5} more" : string.Empty)}, which this source does not capture: their changes would be read as rows of its tables. " +
                "Give the source a publication of its own (PostgresCdcOptions.Publication, or none: one named after the slot is created for exactly its tables).");
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
    /// The select list that reads the columns of a (quoted) table that <paramref name="read"/> takes, as the replication stream sends them: <c>numeric</c>
    /// columns (and domains over it) as text (<see cref="NumericValues.FromText"/>), since Npgsql cannot read NaN, ±Infinity or more than 28
    /// digits as a decimal; enum columns (and domains over one) as their labels, as Npgsql reads an enum it has no mapping for, and
    /// whether or not the connection knows the type (Npgsql loads a database's types once per process: an enum created after
    /// that is unknown to it); the others as they are.
    /// </summary>
    public static async Task<(string Select, HashSet<string> Numeric)> SnapshotColumnsAsync(NpgsqlConnection connection, string quotedTable, Func<string, bool> read, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT a.attname, {TypeOrBaseIs("a.atttypid", "t.oid = 'numeric'::regtype")}, {TypeOrBaseIs("a.atttypid", "t.kind = 'e'")} " +
            $"FROM pg_attribute a WHERE a.attrelid = {Sql.Literal(quotedTable)}::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            connection);
        var columns = new List<string>();
        var numeric = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string column = reader.GetString(0);
            if (!read(column)) continue;
            string name = Sql.Quote(column);
            if (reader.GetBoolean(1)) numeric.Add(column);
            columns.Add(reader.GetBoolean(1) || reader.GetBoolean(2) ? $"{name}::text AS {name}" : name);
        }

        // No column read (a type without members for any of them, a table without a key): rows without columns, one per row.
        return (string.Join(", ", columns), numeric);
    }

    /// <summary>
    /// A boolean SQL expression: whether the type <paramref name="typeOid"/> (an SQL expression) or a type under it, when
    /// it is a domain (followed down its base types), meets <paramref name="condition"/> on <c>t.oid</c> and <c>t.kind</c>
    /// (<c>typtype</c>).
    /// </summary>
    public static string TypeOrBaseIs(string typeOid, string condition) =>
        $"EXISTS (WITH RECURSIVE t(oid, base, kind) AS (SELECT oid, typbasetype, typtype FROM pg_type WHERE oid = {typeOid} " +
        $"UNION ALL SELECT p.oid, p.typbasetype, p.typtype FROM pg_type p JOIN t ON p.oid = t.base) SELECT 1 FROM t WHERE {condition})";

    /// <summary>The server's clock now (<c>clock_timestamp()</c>, not the transaction's start), in UTC.</summary>
    public static async Task<DateTimeOffset> ServerTimeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        var now = (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc));
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
