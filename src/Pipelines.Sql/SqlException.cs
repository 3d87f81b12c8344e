namespace Pipelines.Sql;

/// <summary>
/// A statement that cannot be run as written: it does not parse, names something unknown, does not type-check,
/// or asks a stream for something that needs unbounded state. The message says where (line and column), what
/// was expected or is wrong, and what to write instead; it is meant for the person who wrote the statement.
/// </summary>
public sealed class SqlException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">The whole explanation, position included.</param>
    /// <param name="line">1-based line of the offending text, or 0 when it has no single place.</param>
    /// <param name="column">1-based column, or 0.</param>
    /// <param name="expected">What the parser expected there, if this is a syntax error.</param>
    public SqlException(string message, int line = 0, int column = 0, string? expected = null)
        : base(message)
    {
        Line = line;
        Column = column;
        Expected = expected;
    }

    /// <summary>Creates an error without a position.</summary>
    public SqlException()
        : this("The SQL statement is invalid.")
    {
    }

    /// <summary>Creates an error without a position.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause.</param>
    public SqlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>1-based line of the offending text, or 0 when the error has no single place.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending text, or 0.</summary>
    public int Column { get; }

    /// <summary>What the parser expected at <see cref="Line"/>:<see cref="Column"/>, for syntax errors.</summary>
    public string? Expected { get; }

    internal static SqlException At(Syntax.Position position, string message, string? expected = null) =>
        new($"line {position.Line}, column {position.Column}: {message}", position.Line, position.Column, expected);
}
