using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Pipelines.Diagnostics;
using Pipelines.Operators;
using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>
/// The life of one run, the same under both executors; an executor adds only how it drives the workers.
/// <list type="number">
/// <item><b>Open</b>: every sink's writer, then the dead-letter sink's.</item>
/// <item><b>Create</b> (the executor, through <see cref="CreateOperator"/> and <see cref="CreateSource"/>): each
/// worker of each vertex of the <see cref="PhysicalPlan"/>, stages from the last to the first, then the sources.</item>
/// <item><b>Run</b>: the executor's body.</item>
/// <item><b>Commit</b>, only when the body ended without failure or cancellation: the dead-letter sink completes,
/// then every source commits (<see cref="SourceReader{T}.CommitAsync(CancellationToken)"/>), in order.</item>
/// <item><b>Abort</b>, when the run failed or was cancelled and did not commit: every operator (sinks tell their
/// writers) and the dead-letter sink hear the exception the run ends with.</item>
/// <item><b>Dispose</b>, always, in the reverse order of opening and creating: sources, operators, the
/// dead-letter sink, writers no operator took over. Errors while aborting or disposing a failed run are dropped, so
/// they cannot hide the run's own error.</item>
/// </list>
/// <b>Errors.</b> The first error wins (<see cref="Fail"/>, callable from any task) and cancels a concurrent run's token.
/// A <see cref="PipelineExecutionException"/> (which names the operator or connector) and an
/// <see cref="InvalidOperationException"/> (the pipeline cannot run as configured) are thrown as they are; any other
/// exception is wrapped in a <see cref="PipelineExecutionException"/>. A run whose token was cancelled without an
/// error throws a <see cref="PipelineCanceledException"/> carrying the <see cref="RunSummary"/> of what it did.
/// </summary>
internal sealed class RunLifecycle : IDisposable
{
    private readonly PhysicalPlan _plan;
    private readonly RunScope _scope;
    private readonly CancellationToken _userToken;
    private readonly CancellationTokenSource? _cancel;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<StageOperator> _operators = [];
    private readonly List<SourceRunner> _sources = [];
    private IAsyncDisposable?[] _writers = [];

    /// <summary>Which sinks were opened (null before opening began): the others hear that the run ended without them.</summary>
    private bool[]? _opened;
    private DeadLetterDrain? _deadLetters;
    private Exception? _failure;
    private OperationCanceledException? _cancellation;
    private bool _committed;

    /// <param name="plan">What runs.</param>
    /// <param name="scope">The run's telemetry and logs.</param>
    /// <param name="policy">How the executor drives operators.</param>
    /// <param name="batchSize">Elements per batch.</param>
    /// <param name="timeProvider">The run's clock.</param>
    /// <param name="logger">The run's logger.</param>
    /// <param name="counters">The run's counters (also read by <paramref name="scope"/>).</param>
    /// <param name="userToken">The caller's token: cancelling it cancels the run.</param>
    /// <param name="concurrent">
    /// True when the run has several tasks (streaming): it gets a token of its own, linked to
    /// <paramref name="userToken"/>, that a failure or <see cref="Cancel"/> cancels so every task stops. False for a
    /// run on the caller's task (bounded): the run's token is <paramref name="userToken"/> itself.
    /// </param>
    public RunLifecycle(PhysicalPlan plan, RunScope scope, ExecutionPolicy policy, int batchSize, TimeProvider timeProvider, ILogger logger, RunCounters counters, CancellationToken userToken, bool concurrent)
    {
        _plan = plan;
        _scope = scope;
        _userToken = userToken;
        _cancel = concurrent ? CancellationTokenSource.CreateLinkedTokenSource(userToken) : null;
        var pipeline = plan.Pipeline;
        var router = pipeline.DeadLetterSink is null ? null : new DeadLetterRouter();
        Run = new RunContext(policy, batchSize, counters, router, pipeline.ErrorPolicy, timeProvider, scope.Telemetry, logger, _cancel?.Token ?? userToken);
    }

    /// <summary>The services every worker of the run shares.</summary>
    public RunContext Run { get; }

    /// <summary>Cancelled when the run fails, is cancelled by its caller, or is stopped without draining (<see cref="Cancel"/>).</summary>
    public CancellationToken Token => Run.RunToken;

    /// <summary>The dead-letter sink, once open; null when the pipeline has none.</summary>
    public DeadLetterDrain? DeadLetters => _deadLetters;

    /// <summary>The source runners, in the order of <see cref="PhysicalPlan.Sources"/>.</summary>
    public IReadOnlyList<SourceRunner> Sources => _sources;

    /// <summary>True once a failure has been recorded.</summary>
    public bool HasFailed => Volatile.Read(ref _failure) is not null;

    /// <summary>Stops a concurrent run without draining: it ends cancelled.</summary>
    public void Cancel() => (_cancel ?? throw new InvalidOperationException("Only a concurrent run is stopped through its lifecycle.")).Cancel();

    /// <summary>Records the run's failure (the first one wins) and cancels the run so every task stops.</summary>
    public void Fail(Exception error)
    {
        Interlocked.CompareExchange(ref _failure, Wrap(error), null);
        try
        {
            _cancel?.Cancel();
        }
        catch (AggregateException)
        {
            // A cancellation callback threw; the run is failing anyway and keeps its first error.
        }
    }

    /// <summary>
    /// Creates worker <paramref name="worker"/> of <paramref name="vertex"/>: a sink takes the writer opened for it.
    /// The operator is aborted and disposed with the run.
    /// </summary>
    /// <param name="vertex">The stage.</param>
    /// <param name="worker">The worker's index, below <see cref="Vertex.Parallelism"/>.</param>
    /// <param name="edges">The edges of this worker's output chain.</param>
    /// <param name="barriers">Where a sink acknowledges checkpoint barriers; null when the run takes no checkpoints.</param>
    public StageOperator CreateOperator(StageVertex vertex, int worker, IEdgeFactory edges, IBarrierAcknowledger? barriers = null)
    {
        object? writer = null;
        if (vertex.IsSink)
        {
            writer = _writers[vertex.SinkIndex] ?? throw new InvalidOperationException($"Sink '{vertex.Name}' was not opened, or has a writer already.");
            _writers[vertex.SinkIndex] = null;
        }

        StageOperator op;
        try
        {
            op = vertex.Node.CreateOperator(new WorkerContext(Run, vertex, worker, edges, writer, barriers));
        }
        catch
        {
            if (vertex.IsSink) _writers[vertex.SinkIndex] = (IAsyncDisposable?)writer;
            throw;
        }

        _operators.Add(op);
        return op;
    }

    /// <summary>Creates the runner of <paramref name="vertex"/>; it is committed, and disposed, with the run.</summary>
    public SourceRunner CreateSource(SourceVertex vertex, IEdgeFactory edges)
    {
        var runner = vertex.Node.CreateRunner(new WorkerContext(Run, vertex, 0, edges));
        _sources.Add(runner);
        return runner;
    }

    /// <summary>
    /// Runs the whole life: open, <paramref name="body"/> (which creates the workers and drives them), commit or
    /// abort, dispose. Returns the summary, or throws the run's error.
    /// </summary>
    public async Task<RunSummary> RunAsync(Func<Task> body)
    {
        try
        {
            await OpenAsync().ConfigureAwait(false);
            await body().ConfigureAwait(false);
            if (!HasFailed && !Token.IsCancellationRequested) await CommitAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (Token.IsCancellationRequested)
        {
            _cancellation ??= ex; // reported below, with a summary of what the run did
        }
        catch (Exception ex)
        {
            Fail(ex);
        }

        var ending = _committed ? null
            : Volatile.Read(ref _failure) ?? new PipelineCanceledException(
                Run.Counters.ToSummary(_clock.Elapsed), _userToken.IsCancellationRequested ? _userToken : Token, _cancellation);
        if (ending is not null)
        {
            await AbortAsync(ending).ConfigureAwait(false);
            UnopenedSinks.Notify(_plan.Pipeline, [.. _plan.Sinks.Select(s => (ISinkNode)s.Node)], _opened, _deadLetters is not null, ending);
        }

        await DisposePartsAsync().ConfigureAwait(false);

        if (ending is not null)
        {
            _scope.Failed(ending);
            ExceptionDispatchInfo.Throw(ending);
        }

        var summary = Run.Counters.ToSummary(_clock.Elapsed);
        _scope.Completed(summary);
        return summary;
    }

    private async Task OpenAsync()
    {
        var sinks = _plan.Sinks;
        _writers = new IAsyncDisposable?[sinks.Count];
        _opened = new bool[sinks.Count];
        for (int i = 0; i < sinks.Count; i++)
        {
            _writers[i] = await ((ISinkNode)sinks[i].Node).OpenAsync(Run, Token).ConfigureAwait(false);
            _opened[i] = true;
        }

        _deadLetters = await DeadLetterDrain.OpenAsync(_plan.Pipeline, Run.DeadLetters, Token).ConfigureAwait(false);
    }

    private async Task CommitAsync()
    {
        if (_deadLetters is not null) await _deadLetters.CompleteAsync(Token).ConfigureAwait(false);
        foreach (var source in _sources) await source.CommitAsync(Token).ConfigureAwait(false);
        _committed = true;
    }

    private async Task AbortAsync(Exception error)
    {
        for (int i = _operators.Count - 1; i >= 0; i--)
        {
            var op = _operators[i];
            await Quietly(() => op.AbortAsync(error)).ConfigureAwait(false);
        }

        if (_deadLetters is { } deadLetters) await Quietly(() => deadLetters.AbortAsync(error)).ConfigureAwait(false);

        // Writers opened for sinks whose operators were never created (a later part failed to open): they hear the
        // run's error too, not only disposal (once each: one sink behind two nodes has one writer per run).
        var aborted = new HashSet<IAsyncDisposable>(ReferenceEqualityComparer.Instance);
        for (int i = _writers.Length - 1; i >= 0; i--)
        {
            if (_writers[i] is { } writer && aborted.Add(writer))
            {
                var node = (ISinkNode)_plan.Sinks[i].Node;
                await Quietly(() => node.AbortWriterAsync(writer, error)).ConfigureAwait(false);
            }
        }
    }

    private async Task DisposePartsAsync()
    {
        for (int i = _sources.Count - 1; i >= 0; i--) await Quietly(_sources[i].DisposeAsync).ConfigureAwait(false);
        for (int i = _operators.Count - 1; i >= 0; i--) await Quietly(_operators[i].DisposeAsync).ConfigureAwait(false);
        if (_deadLetters is not null) await Quietly(_deadLetters.DisposeAsync).ConfigureAwait(false);
        for (int i = _writers.Length - 1; i >= 0; i--)
        {
            if (_writers[i] is { } writer) await Quietly(writer.DisposeAsync).ConfigureAwait(false);
        }
    }

    /// <summary>The one error wrapping of both executors.</summary>
    private static Exception Wrap(Exception error) => error is PipelineExecutionException or InvalidOperationException
        ? error
        : new PipelineExecutionException($"The pipeline failed: {error.GetType().Name}: {error.Message}", error);

    private static async Task Quietly(Func<ValueTask> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Aborting or disposing after a failed or cancelled run must not hide the run's own exception.
        }
    }

    public void Dispose() => _cancel?.Dispose();
}
