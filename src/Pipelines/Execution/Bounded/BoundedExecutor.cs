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
            throw new InvalidOperationException(
                $"The bounded executor needs sources that end, but {string.Join(", ", unbounded)} may not: run the pipeline with StreamingExecutor, " +
                "or use a bounded source (e.g. Sources.AsyncEnumerable(items, isBounded: true)).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var counters = new RunCounters();
        var router = pipeline.DeadLetterSink is null ? null : new DeadLetterRouter();
        var edges = new DirectEdgeFactory();
        var logger = _options.Logger ?? NullLogger.Instance;
        using var scope = new RunScope(pipeline, "bounded", _options.TimeProvider, logger, counters);
        var context = new PlanContext(false, _options.BatchSize, counters, router, pipeline.ErrorPolicy, edges, _options.TimeProvider, scope.Telemetry, logger, cancellationToken);

        var operators = new List<StageOperator>();
        var runners = new List<SourceRunner>();
        DeadLetterDrain? deadLetters = null;
        Exception? failure = null;
        try
        {
            foreach (var sink in pipeline.Sinks) await sink.OpenAsync(context, cancellationToken).ConfigureAwait(false);
            deadLetters = await DeadLetterDrain.OpenAsync(pipeline, router, cancellationToken).ConfigureAwait(false);
            var instances = pipeline.Stages.Select(s => edges.Register(s, scope.Telemetry.For(s.Name, 0))).ToList();
            for (int i = 0; i < instances.Count; i++)
            {
                instances[i].Operator = pipeline.Stages[i].CreateOperator(context);
                operators.Add(instances[i].Operator);
            }

            runners.AddRange(pipeline.Sources.Select(s => s.CreateRunner(context)));
            var progress = new ProgressReporter(_options.Progress, runners, counters, _options.TimeProvider, _options.ProgressInterval);
            foreach (var runner in runners)
            {
                await RunSourceAsync(runner, operators, deadLetters, progress, cancellationToken).ConfigureAwait(false);
            }

            foreach (var op in operators) await op.DrainAsync(cancellationToken).ConfigureAwait(false);
            if (deadLetters is not null) await deadLetters.CompleteAsync(cancellationToken).ConfigureAwait(false);
            Debug.Assert(instances.All(i => i.Ended), "Every stage ends once all sources have ended.");
            foreach (var runner in runners) await runner.CommitAsync(cancellationToken).ConfigureAwait(false);
            progress.Report(force: true);
            var summary = counters.ToSummary(clock.Elapsed);
            scope.Completed(summary);
            return summary;
        }
        catch (Exception ex)
        {
            failure = ex is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? new PipelineCanceledException(counters.ToSummary(clock.Elapsed), cancellationToken, ex)
                : ex is PipelineExecutionException or OperationCanceledException or InvalidOperationException
                ? ex
                : new PipelineExecutionException($"The pipeline failed: {ex.GetType().Name}: {ex.Message}", ex);
            scope.Failed(failure);
            if (ReferenceEquals(failure, ex)) throw;
            throw failure;
        }
        finally
        {
            if (failure is not null)
            {
                foreach (var op in operators) await DisposeQuietlyAsync(() => op.AbortAsync(failure)).ConfigureAwait(false);
                if (deadLetters is not null) await DisposeQuietlyAsync(() => deadLetters.AbortAsync(failure)).ConfigureAwait(false);
            }

            foreach (var runner in runners) await DisposeQuietlyAsync(runner.DisposeAsync).ConfigureAwait(false);
            foreach (var op in operators) await DisposeQuietlyAsync(op.DisposeAsync).ConfigureAwait(false);
            if (deadLetters is not null) await DisposeQuietlyAsync(deadLetters.DisposeAsync).ConfigureAwait(false);
            await context.DisposeUnclaimedAsync().ConfigureAwait(false);
        }
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

    private static async ValueTask DisposeQuietlyAsync(Func<ValueTask> dispose)
    {
        try
        {
            await dispose().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Disposal after a failed or cancelled run must not hide the run's own exception.
        }
    }
}
