using Microsoft.Extensions.Logging;

namespace Pipelines.Postgres;

/// <summary>Settings of a PostgreSQL sink (<see cref="PostgresSinks"/>).</summary>
public sealed class PostgresSinkOptions
{
    /// <summary>Rows kept before they are written in one transaction. Default 50,000. A checkpoint and the end of input write what is kept, whatever its size.</summary>
    public int BatchSize { get; init; } = 50_000;

    /// <summary>The longest a row is kept before it is written, checked whenever results arrive (an idle stream's rows go at the next checkpoint). Default 1 s.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock for <see cref="FlushInterval"/>; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>
    /// Turns on exactly-once writing under this id (one id per sink and target; null, the default, writes at least
    /// once). In a run with a <see cref="StreamingOptions.CheckpointStorage"/>, rows are staged per checkpoint in a
    /// table of their own (<c>pipelines_stage_&lt;id&gt;_&lt;hash&gt;</c>, beside <see cref="CommitTable"/>) and reach the
    /// target when the checkpoint is stored, in one transaction that records the checkpoint id under this id in
    /// <see cref="CommitTable"/>; a restored run commits what its checkpoint staged and discards what later ones
    /// staged. The end of input commits the rest directly. Without checkpoint storage (the bounded executor, a
    /// streaming run without storage) the sink needs a sequence per element: it records the highest
    /// <see cref="WriteSequence"/> it wrote in the same transaction as the rows and skips every element at or below
    /// it — the elements must reach the sink in sequence order (a change stream and per-element operators, not a
    /// parallel keyed stage).
    /// </summary>
    public string? ExactlyOnceId { get; init; }

    /// <summary>The table that records what exactly-once sinks wrote (per id: the last checkpoint id committed, or the highest sequence), created when missing. Default <c>pipelines_sink_commits</c>.</summary>
    public string CommitTable { get; init; } = "pipelines_sink_commits";

    /// <summary>What to do with a row the server refuses (a constraint violation, a value out of range). Default <see cref="RejectedRowPolicy.Fail"/>.</summary>
    public RejectedRowPolicy RejectedRows { get; init; } = RejectedRowPolicy.Fail;

    /// <summary>Where skipped rows are logged; none when null (they are still counted).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The sink's name in errors and metrics; <c>postgres:&lt;table&gt;</c> when null.</summary>
    public string? Name { get; init; }

    internal void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        if (FlushInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(FlushInterval), FlushInterval, "FlushInterval must be positive.");
        if (string.IsNullOrWhiteSpace(CommitTable)) throw new ArgumentException("CommitTable must name a table.", nameof(CommitTable));
    }
}

/// <summary>What a PostgreSQL sink does with a row the server refuses when it is written.</summary>
public enum RejectedRowPolicy
{
    /// <summary>Fail the run with a <see cref="PostgresMappingException"/> naming the table, the row's key and the column or constraint; nothing of the batch is committed.</summary>
    Fail,

    /// <summary>Write the other rows of the batch, log the refused one (table, key, column or constraint, reason) and count it in <c>pipelines.postgres.sink.rows_rejected</c> and <see cref="PostgresSink{T}.RowsRejected"/>.</summary>
    Skip,
}
