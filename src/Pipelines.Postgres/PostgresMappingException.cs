namespace Pipelines.Postgres;

/// <summary>
/// A row and a .NET value did not fit each other: a column whose type or nullness does not match the member it
/// maps to (reading), or a value the target column cannot take (writing). The message names the table, the row's
/// key and the column; the error policy of the source's stream, or of the pipeline for a sink, decides what
/// happens to the row.
/// </summary>
public sealed class PostgresMappingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="table">The table or query.</param>
    /// <param name="key">The row's key, as "column=value" pairs.</param>
    /// <param name="column">The column that did not fit, or null when the whole row was refused.</param>
    /// <param name="message">What did not fit and what to do.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public PostgresMappingException(string table, string key, string? column, string message, Exception? innerException = null)
        : base($"{table} row {key}{(column is null ? "" : $", column {column}")}: {message}", innerException)
    {
        Table = table;
        Key = key;
        Column = column;
        Reason = message;
    }

    /// <summary>The table or query.</summary>
    public string Table { get; }

    /// <summary>The row's key, as "column=value" pairs.</summary>
    public string Key { get; }

    /// <summary>The column that did not fit, or null when the whole row was refused (a constraint over several columns).</summary>
    public string? Column { get; }

    /// <summary>The message without the table, key and column.</summary>
    internal string Reason { get; }
}
