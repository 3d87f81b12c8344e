namespace Pipelines.Sql;

/// <summary>How <see cref="SqlRunner"/> runs a script.</summary>
public sealed class SqlRunOptions
{
    /// <summary>Which executor (default: decided by the inputs).</summary>
    public SqlExecutionMode Mode { get; init; }

    /// <summary>Registers tables from code, or changes the environment, before the script runs.</summary>
    public Action<SqlEnvironment>? Configure { get; init; }

    /// <summary>Called with each SELECT's result rows as they come (after ORDER BY and LIMIT, at the end, when the query has them). May be called from several threads, one at a time.</summary>
    public Action<SqlResultSet, Row>? OnRow { get; init; }

    /// <summary>Whether to keep every result row in <see cref="SqlResultSet.Rows"/> (default true).</summary>
    public bool CollectRows { get; init; } = true;

    /// <summary>Progress of batch runs.</summary>
    public IProgress<RunProgress>? Progress { get; init; }

    /// <summary>The directory relative paths are resolved against (default: the current directory).</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Streaming options to start from (the script's SET statements override parallelism and checkpointing).</summary>
    public StreamingOptions? Streaming { get; init; }
}
