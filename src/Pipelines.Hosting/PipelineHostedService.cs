using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Pipelines.Hosting;

/// <summary>
/// Runs one pipeline added with <c>AddPipeline</c> for the life of the host: defines and starts it in
/// <see cref="StartAsync"/>, watches it for completion or failure, and drains it in <see cref="StopAsync"/>
/// within the shutdown timeout, then stops it without draining.
/// </summary>
internal sealed class PipelineHostedService : IHostedService
{
    /// <summary>How long to wait for a run to end after cancelling it, before the host goes on without it.</summary>
    internal static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(5);

    private readonly string _name;
    private readonly Action<PipelineBuilder, IServiceProvider> _define;
    private readonly PipelineStatus _status;
    private readonly IServiceProvider _services;
    private readonly PipelineHostOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private PipelineRun? _run;
    private Task _watch = Task.CompletedTask;

    public PipelineHostedService(string name, Action<PipelineBuilder, IServiceProvider> define, IServiceProvider services)
    {
        _name = name;
        _define = define;
        _services = services;
        _status = services.GetRequiredService<PipelineStatusRegistry>()[name];
        _options = services.GetRequiredService<IOptionsMonitor<PipelineHostOptions>>().Get(name);
        _lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        _loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Pipelines.Hosting");
        _status.Logger = _logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Pipeline pipeline;
        StreamingExecutor executor;
        try
        {
            _options.Validate(_name);
            var builder = new PipelineBuilder(_name);
            _define(builder, _services);
            pipeline = builder.Build();
            executor = new StreamingExecutor(StreamingOptionsResolver.Resolve(_options.Streaming, _loggerFactory, _services.GetService<TimeProvider>()));
        }
        catch (Exception ex)
        {
            var error = new InvalidOperationException($"Pipeline '{_name}' could not be started: {ex.Message}", ex);
            HostingLog.StartFailed(_logger, error, _name);
            _status.TryMoveTo(PipelineState.Failed, error);
            if (!_options.StopHostOnFailure) return Task.CompletedTask;

            // The host does not start (the error comes out of RunAsync); a Main that catches it exits with the code.
            Environment.ExitCode = _options.FailureExitCode;
            throw error;
        }

        var run = executor.Start(pipeline);
        _run = run;
        _status.Attach(run);
        _status.TryMoveTo(PipelineState.Running);
        _watch = WatchAsync(run);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var run = _run;
        if (run is null)
        {
            _status.TryMoveTo(PipelineState.Stopped);
            return;
        }

        if (_status.TryMoveTo(PipelineState.Draining)) HostingLog.Draining(_logger, _name);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.DrainTimeout is { } timeout && timeout != Timeout.InfiniteTimeSpan) deadline.CancelAfter(timeout);
        try
        {
            await run.StopAsync(drain: true, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            HostingLog.DrainTimedOut(_logger, _name);

            // A run that did not stop within the abort wait is left behind: the host does not wait for it twice.
            if (!await AbortAsync(run).ConfigureAwait(false)) return;
        }
        catch (Exception)
        {
            // The run failed or was cancelled while draining: WatchAsync records and reports it.
        }

        await _watch.WaitAsync(AbortWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Stops the run without draining; false when it did not stop within <see cref="AbortWait"/>.</summary>
    private async Task<bool> AbortAsync(PipelineRun run)
    {
        using var wait = new CancellationTokenSource(AbortWait);
        try
        {
            await run.StopAsync(drain: false, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            HostingLog.AbortTimedOut(_logger, _name, (long)AbortWait.TotalMilliseconds);
            return false;
        }
        catch (Exception)
        {
            // The run failed while stopping: WatchAsync records and reports it.
        }

        return true;
    }

    /// <summary>Waits for the run to end and records how; never throws.</summary>
    private async Task WatchAsync(PipelineRun run)
    {
        try
        {
            var summary = await run.Completion.ConfigureAwait(false);
            bool draining = _status.State == PipelineState.Draining;
            _status.TryMoveTo(PipelineState.Stopped, summary: summary);
            if (draining) return;
            HostingLog.Completed(_logger, _name);
            if (_options.StopHostWhenCompleted) _lifetime.StopApplication();
        }
        catch (OperationCanceledException)
        {
            _status.TryMoveTo(PipelineState.Stopped);
        }
        catch (Exception ex)
        {
            _status.TryMoveTo(PipelineState.Failed, ex);
            if (_options.StopHostOnFailure)
            {
                HostingLog.FailedStoppingHost(_logger, _name, ex.Message, _options.FailureExitCode);
                Environment.ExitCode = _options.FailureExitCode;
                _lifetime.StopApplication();
            }
            else
            {
                HostingLog.FailedHostKeepsRunning(_logger, _name, ex.Message);
            }
        }
    }
}
