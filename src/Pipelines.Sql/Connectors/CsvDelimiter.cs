namespace Pipelines.Sql.Connectors;

/// <summary>The <c>'csv.field-delimiter'</c> option, as Flink reads it: one character, or a backslash escape (<c>'\t'</c>).</summary>
internal static class CsvDelimiter
{
    /// <summary>The delimiter <paramref name="value"/> names; a clear error for anything that is not one character.</summary>
    public static char Parse(string table, string value) => value switch
    {
        { Length: 1 } => value[0],
        "\\t" => '\t',
        "\\\\" => '\\',
        "\\u0001" or "\\001" => '\u0001',
        _ => throw new SqlException($"table '{table}': 'csv.field-delimiter' = '{value}' is not one character; write a single character, or '\\t' for a tab."),
    };
}
