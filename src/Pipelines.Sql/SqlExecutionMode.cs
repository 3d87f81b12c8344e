namespace Pipelines.Sql;

/// <summary>Which executor runs a script.</summary>
public enum SqlExecutionMode
{
    /// <summary>The bounded executor when every table read ends, the streaming executor otherwise (or as SET 'execution.runtime-mode' says).</summary>
    Auto,

    /// <summary>The bounded executor; refused when a table does not end.</summary>
    Batch,

    /// <summary>The streaming executor.</summary>
    Streaming,
}
