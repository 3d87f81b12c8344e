using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Diagnostics;
using Pipelines.Operators;
using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>One run of the streaming executor: wires the plan onto channels, starts the tasks, and ends them together.</summary>
internal sealed class StreamingRun(Pipeline pipeline, StreamingOptions options, CancellationToken userToken)
{
    private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(userToken);
    private readonly CancellationTokenSource _drain = new();
    private Exception? _failure;

    public RunCounters Counters { get; } = new();

    public void Drain() => _drain.Cancel();

    public void Cancel() => _cancel.Cancel();

    public async Task<RunSummary> StartAsync()
    {
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        var runToken = _cancel.Token;
        var router = pipeline.DeadLetterSink is null ? null : new DeadLetterRouter();
        var edges = new ChannelEdgeFactory(options.MaxBatchSize, options.ChannelCapacity);
        var logger = options.Logger ?? NullLogger.Instance;
        using var scope = new RunScope(pipeline, "streaming", options.TimeProvider, logger, Counters, options.Parallelism, options.ChannelCapacity);
        using var draining = _drain.Token.Register(scope.Draining);
        var checkpoints = new CheckpointCoordinator(options, pipeline.Name, logger, Counters, Fail) { History = scope.Monitor.Checkpoints };
        var context = new PlanContext(true, options.MaxBatchSize, Counters, router, pipeline.ErrorPolicy, edges, options.TimeProvider, scope.Telemetry, logger, runToken)
        {
            Checkpoints = checkpoints,
        };
        var workers = new List<StageWorker>();
        var sources = new List<SourceTask>();
        DeadLetterDrain? deadLetters = null;
        try
        {
            foreach (var sink in pipeline.Sinks) await sink.OpenAsync(context, runToken).ConfigureAwait(false);
            deadLetters = await DeadLetterDrain.OpenAsync(pipeline, router, runToken).ConfigureAwait(false);
            checkpoints.DeadLetters = deadLetters;
            Wire(context, edges, workers, sources, checkpoints);
            checkpoints.Start(runToken);

            var tasks = new List<Task>();
            tasks.AddRange(workers.Select(w => Guard(() => w.RunAsync(runToken))));
            tasks.AddRange(sources.Select(s => Guard(() => s.RunAsync(runToken, _drain.Token))));
            var deadLetterTask = deadLetters is null ? Task.CompletedTask : Guard(() => deadLetters.PumpAsync(runToken));
            await Task.WhenAll(tasks).ConfigureAwait(false);
            await checkpoints.StopAsync().ConfigureAwait(false);
            router?.Complete();
            await deadLetterTask.ConfigureAwait(false);
            if (_failure is null && deadLetters is not null) await deadLetters.CompleteAsync(runToken).ConfigureAwait(false);
            if (_failure is null && !runToken.IsCancellationRequested)
            {
                foreach (var source in sources) await source.Runner.CommitAsync(runToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            // Reported below, with a summary of what the run did.
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            await checkpoints.StopAsync().ConfigureAwait(false);
            router?.Complete();
            if (_failure is not null || runToken.IsCancellationRequested)
            {
                var error = _failure ?? new OperationCanceledException(runToken);
                foreach (var worker in workers) await Quietly(() => worker.Instance.Operator.AbortAsync(error)).ConfigureAwait(false);
                if (deadLetters is not null) await Quietly(() => deadLetters.AbortAsync(error)).ConfigureAwait(false);
            }

            foreach (var source in sources) await Quietly(() => source.Runner.DisposeAsync()).ConfigureAwait(false);
            foreach (var worker in workers)
            {
                worker.StopTimer();
                await Quietly(() => worker.Instance.Operator.DisposeAsync()).ConfigureAwait(false);
            }

            if (deadLetters is not null) await Quietly(() => deadLetters.DisposeAsync()).ConfigureAwait(false);
            await context.DisposeUnclaimedAsync().ConfigureAwait(false);
        }

        if (_failure is not null)
        {
            scope.Failed(_failure);
            throw _failure;
        }

        if (runToken.IsCancellationRequested)
        {
            var cancelled = new PipelineCanceledException(Counters.ToSummary(clock.Elapsed), userToken.IsCancellationRequested ? userToken : runToken);
            scope.Failed(cancelled);
            throw cancelled;
        }

        var summary = Counters.ToSummary(clock.Elapsed);
        scope.Completed(summary);
        return summary;
    }

    private void Wire(PlanContext context, ChannelEdgeFactory edges, List<StageWorker> workers, List<SourceTask> sources, CheckpointCoordinator checkpoints)
    {
        var stages = pipeline.Stages;
        var byStage = new List<StageWorker[]>();
        foreach (var stage in stages)
        {
            int count = stage.IsKeyed ? options.Parallelism : 1;
            var stageWorkers = new StageWorker[count];
            for (int i = 0; i < count; i++)
            {
                var instance = new StageInstance(stage.Name, i) { Telemetry = context.Telemetry.For(stage.Name, i) };
                var worker = stageWorkers[i] = new StageWorker(instance, options.ChannelCapacity, options.TimeProvider);
                context.Telemetry.AddChannel(stage.Name, i, () => worker.Channel.Reader.Count, () => instance.Merger.Current);
            }

            edges.Register(stage, stageWorkers);
            byStage.Add(stageWorkers);
            workers.AddRange(stageWorkers);
        }

        for (int s = 0; s < stages.Count; s++)
        {
            foreach (var worker in byStage[s])
            {
                context.Worker = worker.Instance.Worker;
                edges.CurrentProducer = worker.Pending;
                worker.Instance.Operator = stages[s].CreateOperator(context);
                worker.StartTimer();
            }
        }

        context.Worker = 0;
        foreach (var source in pipeline.Sources)
        {
            var clock = context.Telemetry.For(source.Name, 0).Clock;
            var pending = new PendingWrites(clock);
            edges.CurrentProducer = pending;
            sources.Add(new SourceTask(source.CreateRunner(context), pending, options, checkpoints, clock));
        }
    }

    private async Task Guard(Func<Task> body)
    {
        try
        {
            await Task.Run(body).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // The run is being cancelled (by the user or because another task failed).
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void Fail(Exception ex)
    {
        if (ex is not PipelineExecutionException)
        {
            ex = new PipelineExecutionException($"The pipeline failed: {ex.GetType().Name}: {ex.Message}", ex);
        }

        Interlocked.CompareExchange(ref _failure, ex, null);
        try
        {
            _cancel.Cancel();
        }
        catch (AggregateException)
        {
            // A cancellation callback threw; the run is failing anyway and keeps its first error.
        }
    }

    private static async Task Quietly(Func<ValueTask> dispose)
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
