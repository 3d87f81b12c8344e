namespace Pipelines.Sql;

/// <summary>What a statement is.</summary>
public enum SqlStatementKind
{
    /// <summary>CREATE TABLE.</summary>
    CreateTable,

    /// <summary>SET.</summary>
    Set,

    /// <summary>EXPLAIN.</summary>
    Explain,

    /// <summary>SELECT.</summary>
    Select,

    /// <summary>INSERT INTO.</summary>
    Insert,
}

/// <summary>The outcome of compiling one statement.</summary>
/// <param name="Kind">The statement's kind.</param>
/// <param name="Message">A note (the plan for EXPLAIN), or null for SELECT.</param>
/// <param name="Query">The compiled query, for SELECT.</param>
public sealed record SqlStatementResult(SqlStatementKind Kind, string? Message, SqlQuery? Query);
