using Npgsql;

namespace Pipelines.Postgres.Writing;

/// <summary>A column of the target table as the catalog describes it.</summary>
/// <param name="Name">The column name.</param>
/// <param name="TypeName">The type's name for Npgsql (<c>int4</c>, <c>timestamptz</c>, <c>schema.type</c>).</param>
/// <param name="NotNull">Whether the column refuses NULL.</param>
/// <param name="MaxLength">The length limit of <c>varchar(n)</c> and <c>char(n)</c>, or -1.</param>
/// <param name="HasDefault">Whether the column has a default (or is an identity or generated column).</param>
/// <param name="Enum">For an enum column (or a domain over an enum), its labels; null for any other column.</param>
internal sealed record TableColumn(string Name, string TypeName, bool NotNull, int MaxLength, bool HasDefault, EnumColumn? Enum = null)
{
    /// <summary>
    /// The type a value is written as in binary COPY: the column's own, or for an enum its label as text, which is the
    /// enum's wire form too — so an enum created after the process loaded the database's types (Npgsql knows it only
    /// after a restart) is written all the same.
    /// </summary>
    public string CopyTypeName => Enum is null ? TypeName : "text";

    /// <summary>A parameter for a value of this column: typed as the column, or for an enum untyped, its type taken from where it goes.</summary>
    public NpgsqlParameter Parameter(object? value)
    {
        var parameter = new NpgsqlParameter { Value = value ?? DBNull.Value };
        if (Enum is null) parameter.DataTypeName = TypeName;
        else parameter.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown;
        return parameter;
    }

    /// <summary>The table's columns in order; throws when the table does not exist.</summary>
    public static async Task<(string Quoted, TableColumn[] Columns, string[][] UniqueKeys)> LoadAsync(
        NpgsqlConnection connection, string connectionString, string table, string sink, CancellationToken cancellationToken)
    {
        string quoted;
        await using (var resolve = new NpgsqlCommand("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(@t)", connection))
        {
            resolve.Parameters.AddWithValue("t", Sql.QuoteTable(table));
            quoted = await resolve.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string
                ?? throw new ArgumentException($"Sink '{sink}': table '{table}' does not exist in the database the connection string names; create it first.");
        }

        var columns = new List<TableColumn>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT a.attname,
                   CASE WHEN tn.nspname = 'pg_catalog' THEN t.typname ELSE tn.nspname || '.' || t.typname END,
                   a.attnotnull,
                   CASE WHEN t.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4 THEN a.atttypmod - 4 ELSE -1 END,
                   a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
                   b.oid,
                   (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = b.oid)
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
            LEFT JOIN LATERAL (
                WITH RECURSIVE d(oid, base, kind) AS (SELECT t.oid, t.typbasetype, t.typtype
                    UNION ALL SELECT p.oid, p.typbasetype, p.typtype FROM pg_type p JOIN d ON p.oid = d.base)
                SELECT oid FROM d WHERE kind = 'e') b ON true
            WHERE a.attrelid = @t::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum
            """, connection))
        {
            command.Parameters.AddWithValue("t", quoted);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string typeName = reader.GetString(1);
                columns.Add(new(
                    reader.GetString(0), typeName, reader.GetBoolean(2), reader.GetInt32(3), reader.GetBoolean(4),
                    reader.IsDBNull(5) ? null : new EnumColumn(connectionString, reader.GetFieldValue<uint>(5), typeName, reader.IsDBNull(6) ? [] : reader.GetFieldValue<string[]>(6))));
            }
        }

        var keys = new List<string[]>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT array_agg(a.attname::text ORDER BY a.attname COLLATE "C")
            FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = @t::regclass AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
            GROUP BY i.indexrelid
            """, connection))
        {
            command.Parameters.AddWithValue("t", quoted);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) keys.Add(reader.GetFieldValue<string[]>(0));
        }

        return (quoted, [.. columns], [.. keys]);
    }
}
