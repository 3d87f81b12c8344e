namespace Pipelines.Postgres;

/// <summary>Quoting of identifiers for the statements the connectors build.</summary>
internal static class Sql
{
    /// <summary>"name" with embedded quotes doubled.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A table as written by users (<c>name</c>, <c>schema.name</c>), quoted part by part; unquoted parts are folded to lower case as PostgreSQL does.</summary>
    public static string QuoteTable(string table)
    {
        if (table.Contains('"', StringComparison.Ordinal)) return table;
        int dot = table.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? Quote(table.ToLowerInvariant()) : Quote(table[..dot].ToLowerInvariant()) + "." + Quote(table[(dot + 1)..].ToLowerInvariant());
    }

    /// <summary>A string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
