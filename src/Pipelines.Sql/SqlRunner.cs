namespace Pipelines.Sql;

/// <summary>
/// Runs a SQL script end to end: CREATE TABLE and SET are applied, EXPLAIN is answered, every SELECT and INSERT
/// INTO is compiled into one pipeline, which runs as a batch when every table read ends and as a stream
/// otherwise. Cancelling a streaming run drains it (open windows fire) before it returns.
/// </summary>
public static class SqlRunner
{
    /// <summary>Runs <paramref name="script"/>.</summary>
    /// <param name="script">Statements separated by semicolons.</param>
    /// <param name="options">How to run it.</param>
    /// <param name="cancellationToken">Stops a streaming run (drained) or a batch run (abandoned).</param>
    /// <exception cref="SqlException">A statement cannot be run: nothing was run.</exception>
    /// <exception cref="PipelineExecutionException">The run failed on a row (unreadable input, a failing expression).</exception>
    public static async Task<SqlRunResult> RunAsync(string script, SqlRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        options ??= new SqlRunOptions();
        var environment = new SqlEnvironment { BaseDirectory = options.BaseDirectory ?? Directory.GetCurrentDirectory() };
        options.Configure?.Invoke(environment);
        var results = new List<SqlResultSet>();
        var messages = new List<string>();
        var gate = new object();
        foreach (var statement in Syntax.Parser.ParseScript(script))
        {
            var outcome = environment.Execute(statement);
            if (outcome.Query is not { } query)
            {
                messages.Add(outcome.Message!);
                continue;
            }
            var set = new SqlResultSet(results.Count, query);
            results.Add(set);
            if (query.NeedsFinish)
            {
                query.Stream.To(Sinks.Action<Row>(row =>
                {
                    lock (gate) set.RowList.Add(row);
                }, $"result {set.Index}"));
            }
            else
            {
                query.Stream.To(Sinks.Action<Row>(row =>
                {
                    lock (gate)
                    {
                        if (options.CollectRows) set.RowList.Add(row);
                        options.OnRow?.Invoke(set, row);
                    }
                }, $"result {set.Index}"));
            }
        }
        if (!environment.HasSinks) return new SqlRunResult(results, messages, null, false);

        var pipeline = environment.Builder.Build();
        var settings = environment.SettingsValues;
        var mode = options.Mode != SqlExecutionMode.Auto
            ? options.Mode
            : settings.Mode switch { "batch" => SqlExecutionMode.Batch, "streaming" => SqlExecutionMode.Streaming, _ => pipeline.IsBounded ? SqlExecutionMode.Batch : SqlExecutionMode.Streaming };
        if (mode == SqlExecutionMode.Batch && !pipeline.IsBounded)
        {
            throw new SqlException("the script reads a table that never ends (a followed file, a Kafka topic), so it cannot run as a batch: remove SET 'execution.runtime-mode' = 'batch', or read bounded tables.");
        }
        RunSummary summary;
        if (mode == SqlExecutionMode.Batch)
        {
            summary = await new BoundedExecutor(new BoundedExecutorOptions { Progress = options.Progress }).RunAsync(pipeline, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var baseOptions = options.Streaming ?? new StreamingOptions();
            var streaming = new StreamingOptions
            {
                Parallelism = settings.ParallelismValue ?? baseOptions.Parallelism,
                CheckpointInterval = settings.Checkpointing ?? baseOptions.CheckpointInterval,
                ChannelCapacity = baseOptions.ChannelCapacity,
                MaxBatchSize = baseOptions.MaxBatchSize,
                ChainSinks = baseOptions.ChainSinks,
                Linger = baseOptions.Linger,
                WatermarkInterval = baseOptions.WatermarkInterval,
                IdleTimeout = baseOptions.IdleTimeout,
                TimeProvider = baseOptions.TimeProvider,
                Logger = baseOptions.Logger,
            };
            var run = new StreamingExecutor(streaming).Start(pipeline);
            using (cancellationToken.Register(() => _ = run.StopAsync(drain: true)))
            {
                summary = await run.Completion.ConfigureAwait(false);
            }
        }
        foreach (var set in results.Where(r => r.Query.NeedsFinish))
        {
            var finished = set.Query.Finish(set.RowList);
            set.RowList.Clear();
            foreach (var row in finished)
            {
                if (options.CollectRows) set.RowList.Add(row);
                options.OnRow?.Invoke(set, row);
            }
        }
        return new SqlRunResult(results, messages, summary, mode == SqlExecutionMode.Streaming);
    }
}
