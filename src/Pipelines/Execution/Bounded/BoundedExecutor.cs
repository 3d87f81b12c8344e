using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Diagnostics;
using Pipelines.Execution;
using Pipelines.Execution.Bounded;
using Pipelines.Operators;
using Pipelines.Plan;
using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines;

/// <summary>
/// Runs a pipeline as a batch job over bounded sources, on the calling task, in plain loops: no channel, no
/// extra thread. The watermark stays at −∞ while input is read and jumps to +∞ at the end, so every window
/// fires exactly once with <see cref="PaneTiming.OnTime"/>, nothing is late, and early triggers do not fire.
/// </summary>
/// <remarks>
/// Output order is deterministic: sources are read one after another in the order they were added with
/// <see cref="PipelineBuilder.From{T}"/>; per-element operators keep input order; windowed results arrive at
/// the end of input ordered by window end, then by when the (key, window) first received an element; join
/// results follow the same rule (interval joins: as soon as the later element of a pair is read).
/// </remarks>
public sealed class BoundedExecutor
{
    private readonly BoundedExecutorOptions _options;

    /// <summary>Creates an executor.</summary>
    /// <param name="options">Settings; defaults when null.</param>
    public BoundedExecutor(BoundedExecutorOptions? options = null)
    {
        _options = options ?? new BoundedExecutorOptions();
        _options.Validate();
    }

    /// <summary>Runs <paramref name="pipeline"/> to the end of its input.</summary>
    /// <param name="pipeline">A pipeline whose sources are all bounded.</param>
    /// <param name="cancellationToken">Stops the run between batches; the task then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>What the run read and where the elements without a result went.</returns>
    /// <exception cref="InvalidOperationException">A source is unbounded.</exception>
    /// <exception cref="PipelineExecutionException">A user function, source or sink failed.</exception>
    public async Task<RunSummary> RunAsync(Pipeline pipeline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var unbounded = pipeline.Sources.Where(s => !s.IsBounded).Select(s => $"'{s.SourceName}'").ToList();
        if (unbounded.Count > 0)
        {
            throw UnopenedSinks.Refused(pipeline, new InvalidOperationException(
                $"The bounded executor needs sources that end, but {string.Join(", ", unbounded)} may not: run the pipeline with StreamingExecutor, " +
                "or use a bounded source (e.g. Sources.AsyncEnumerable(items, isBounded: true))."));
        }

        if (cancellationToken.IsCancellationRequested) throw UnopenedSinks.Refused(pipeline, new OperationCanceledException(cancellationToken));
        var counters = new RunCounters();
        var logger = _options.Logger ?? NullLogger.Instance;
        PhysicalPlan plan;
        try
        {
            plan = PhysicalPlan.Create(pipeline, keyedParallelism: 1);
        }
        catch (Exception ex)
        {
            UnopenedSinks.Refused(pipeline, ex);
            throw;
        }

        using var scope = new RunScope(pipeline, "bounded", _options.TimeProvider, logger, counters);
        using var run = new RunLifecycle(plan, scope, ExecutionPolicy.Bounded, _options.BatchSize, _options.TimeProvider, logger, counters, cancellationToken, concurrent: false);
        return await run.RunAsync(() => DriveAsync(plan, run, counters)).ConfigureAwait(false);
    }

    /// <summary>One instance per stage, joined by direct calls; the sources are read one after another.</summary>
    private async Task DriveAsync(PhysicalPlan plan, RunLifecycle run, RunCounters counters)
    {
        var token = run.Token;
        var instances = new StageInstance?[plan.Stages.Count];
        var edges = new DirectEdges(instances);
        for (int s = plan.Stages.Count - 1; s >= 0; s--)
        {
            var vertex = plan.Stages[s];
            var op = run.CreateOperator(vertex, 0, edges);
            instances[s] = new StageInstance(op, vertex.Name, 0, vertex.InputCount, run.Run.Telemetry.For(vertex.Name, 0));
        }

        var operators = instances.Select(i => i!.Operator).ToList();
        var runners = plan.Sources.Select(v => run.CreateSource(v, edges)).ToList();
        var progress = new ProgressReporter(_options.Progress, runners, counters, _options.TimeProvider, _options.ProgressInterval);
        foreach (var runner in runners)
        {
            await RunSourceAsync(runner, operators, run.DeadLetters, progress, token).ConfigureAwait(false);
        }

        foreach (var op in operators) await op.DrainAsync(token).ConfigureAwait(false);
        Debug.Assert(instances.All(i => i!.Ended), "Every stage ends once all sources have ended.");
        progress.Report(force: true);
    }

    private static async Task RunSourceAsync(SourceRunner runner, List<StageOperator> operators, DeadLetterDrain? deadLetters, ProgressReporter progress, CancellationToken cancellationToken)
    {
        await runner.OpenAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (runner.Read() > 0 && !runner.BufferFull) continue;
            bool more = runner.BufferFull;
            runner.Flush();
            foreach (var op in operators) await op.DrainAsync(cancellationToken).ConfigureAwait(false);
            if (deadLetters is not null) await deadLetters.DrainAsync(cancellationToken).ConfigureAwait(false);
            progress.Report(force: false);
            if (runner.InputNotNeeded) break;
            if (!more && !await runner.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) break;
        }

        runner.Watermark(EventTime.MaxWatermark);
        runner.End();
        runner.Completed = true;
        foreach (var op in operators) await op.DrainAsync(cancellationToken).ConfigureAwait(false);
    }
}
