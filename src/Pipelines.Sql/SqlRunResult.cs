namespace Pipelines.Sql;

/// <summary>What running a script gave.</summary>
/// <param name="Results">One per SELECT, in script order.</param>
/// <param name="Messages">One per other statement: "table … created", settings, and EXPLAIN's plans.</param>
/// <param name="Summary">The run's counts, or null when the script had nothing to run.</param>
/// <param name="Streaming">Whether the streaming executor ran it.</param>
public sealed record SqlRunResult(IReadOnlyList<SqlResultSet> Results, IReadOnlyList<string> Messages, RunSummary? Summary, bool Streaming);
