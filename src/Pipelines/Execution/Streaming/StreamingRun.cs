using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Checkpoints;
using Pipelines.Diagnostics;
using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// One run of the streaming executor: creates the workers of the physical plan on channels, starts one task per
/// source and per stage worker, and ends them together. Opening, committing, aborting, disposing and the
/// run's error are <see cref="RunLifecycle"/>'s.
/// </summary>
internal sealed class StreamingRun(Pipeline pipeline, StreamingOptions options, CancellationToken userToken)
{
    private readonly CancellationTokenSource _drain = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<long> _savepoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CheckpointCoordinator? _checkpoints;
    private bool _savepointRequested;

    /// <summary>Where the run stores checkpoints, or null.</summary>
    public CheckpointStorage? Storage => options.CheckpointStorage;

    /// <summary>
    /// Asks for a savepoint (taken as soon as the checkpoint in flight has ended) and returns its id once it is stored
    /// and committed; the task is cancelled when the run ends first. The run goes on until <see cref="Cancel"/>.
    /// </summary>
    public Task<long> RequestSavepoint()
    {
        CheckpointCoordinator? checkpoints;
        lock (_lock)
        {
            _savepointRequested = true;
            checkpoints = _checkpoints;
        }

        checkpoints?.RequestSavepoint();
        return _savepoint.Task;
    }

    public RunCounters Counters { get; } = new();

    public void Drain() => _drain.Cancel();

    /// <summary>Stops without draining: the run ends cancelled.</summary>
    public void Cancel() => _stop.Cancel();

    public async Task<RunSummary> StartAsync()
    {
        await Task.Yield();
        var logger = options.Logger ?? NullLogger.Instance;
        PhysicalPlan plan;
        try
        {
            plan = PhysicalPlan.Create(pipeline, options.Parallelism);
        }
        catch (Exception ex)
        {
            UnopenedSinks.Refused(pipeline, ex);
            throw;
        }

        foreach (var (stage, source) in SplitInputCheck.Find(pipeline)) Diagnostics.Log.KeyedAfterSplitInput(logger, pipeline.Name, stage, source);
        foreach (var (stage, sources) in SplitInputCheck.FindIndependentExchanges(pipeline)) Diagnostics.Log.KeyedAcrossExchanges(logger, pipeline.Name, stage, string.Join(", ", sources));
        using var scope = new RunScope(pipeline, "streaming", options.TimeProvider, logger, Counters, options.Parallelism, options.ChannelCapacity, ChainedSinks.Nodes(plan, options));
        using var draining = _drain.Token.Register(scope.Draining);
        using var run = new RunLifecycle(plan, scope, ExecutionPolicy.Continuous, options.MaxBatchSize, options.TimeProvider, logger, Counters, userToken, concurrent: true);
        using var stopping = _stop.Token.Register(run.Cancel);
        return await run.RunAsync(() => DriveAsync(plan, run, scope)).ConfigureAwait(false);
    }

    /// <summary>Creates every worker, runs the tasks until all have ended, then stops checkpoints and the dead-letter pump.</summary>
    private async Task DriveAsync(PhysicalPlan plan, RunLifecycle run, RunScope scope)
    {
        var runToken = run.Token;
        var telemetry = run.Run.Telemetry;
        long restoreStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var restore = await StateRestore.LoadAsync(options, pipeline, plan, run.Run.Logger, runToken).ConfigureAwait(false);
        var checkpoints = new CheckpointCoordinator(options, pipeline.Name, run.Run.Logger, Counters, plan.Sources.Count, plan.Sinks.Count, run.DeadLetters, run.Fail, runToken)
        {
            History = scope.Monitor.Checkpoints,
            Telemetry = telemetry,
            SavepointCompletion = _savepoint,
            Store = restore?.Store,
            State = restore?.Writer,
            StatefulOperators = restore?.StatefulOperators ?? [],
            SourceIds = [.. plan.Sources.Select(s => s.Id.Value)],
            MaxParallelism = options.MaxParallelism,
            FirstCheckpoint = restore?.FirstCheckpoint ?? 1,
        };
        bool savepoint;
        lock (_lock)
        {
            _checkpoints = checkpoints;
            savepoint = _savepointRequested;
        }

        if (savepoint) checkpoints.RequestSavepoint();
        var inFlight = new InFlight();
        var channels = new StageChannels(plan, options.ChannelCapacity, options.MaxBatchSize, inFlight, restore is null ? null : (pipeline.StateSerializers, options.MaxParallelism));
        var workers = new List<StageWorker>();
        var sources = new List<SourceTask>();
        var chained = new StageInstance?[plan.Stages.Count];
        var deadLetterTask = Task.CompletedTask;
        try
        {
            for (int s = plan.Stages.Count - 1; s >= 0; s--)
            {
                var stage = plan.Stages[s];
                for (int i = 0; i < stage.Parallelism; i++)
                {
                    var workerTelemetry = telemetry.For(stage.Name, i);
                    var pending = new PendingWrites(workerTelemetry.Clock);
                    var barriers = stage.IsSink ? checkpoints.SinkAcknowledger(stage.SinkIndex) : null;
                    var op = run.CreateOperator(stage, i, ChainedSinks.Edges(channels.EdgesFor(pending), chained, pending), barriers);
                    if (restore is not null) await restore.StageAsync(stage, i, op, checkpoints.AddCommittingSink, runToken).ConfigureAwait(false);
                    var instance = new StageInstance(op, stage.Name, i, stage.InputCount, workerTelemetry) { BlocksForAlignment = restore is not null };
                    if (ChainedSinks.Applies(stage, options))
                    {
                        chained[stage.StageIndex] = instance;
                        continue;
                    }

                    var worker = new StageWorker(instance, channels.Of(stage, i), pending, options.TimeProvider, channels.GatesOf(stage, i), options.MaxAlignmentBuffer, channels.InFlightOf(stage, i));
                    telemetry.AddChannel(stage.Name, i, () => worker.Channel.Reader.Count, () => instance.Merger.Current);
                    workers.Add(worker);
                    worker.StartTimer();
                }
            }

            foreach (var source in plan.Sources)
            {
                var clock = telemetry.For(source.Name, 0).Clock;
                var pending = new PendingWrites(clock);
                var runner = run.CreateSource(source, ChainedSinks.Edges(channels.EdgesFor(pending), chained, pending));
                runner.DownstreamIdle = inFlight.WhenIdleAsync;
                restore?.Source(source, runner);
                sources.Add(new SourceTask(runner, source.SourceIndex, pending, options, checkpoints, clock));
            }

            if (restore?.RestoredCheckpoint is not null)
            {
                var tag = new KeyValuePair<string, object?>("pipeline", pipeline.Name);
                Diagnostics.Telemetry.Restores.Add(1, tag);
                Diagnostics.Telemetry.RestoreDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(restoreStarted).TotalMilliseconds, tag);
            }

            checkpoints.Start();
            var tasks = new List<Task>();
            tasks.AddRange(workers.Select(w => Guard(run, () => w.RunAsync(runToken))));
            tasks.AddRange(sources.Select(s => Guard(run, () => s.RunAsync(runToken, _drain.Token))));
            if (run.DeadLetters is { } deadLetters) deadLetterTask = Guard(run, () => deadLetters.PumpAsync(runToken));
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            await checkpoints.StopAsync().ConfigureAwait(false);
            if (restore is not null) await restore.DeleteOwnCheckpointsAsync().ConfigureAwait(false);
            run.Run.DeadLetters?.Complete();
            await deadLetterTask.ConfigureAwait(false);
            foreach (var worker in workers) worker.StopTimer();
        }
    }

    /// <summary>Runs a task's body on the thread pool; its failure fails the run, its cancellation (when the run is cancelled) is expected.</summary>
    private static async Task Guard(RunLifecycle run, Func<Task> body)
    {
        try
        {
            await Task.Run(body).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            // The run is being cancelled (by the user or because another task failed).
        }
        catch (Exception ex)
        {
            run.Fail(ex);
        }
    }
}
