using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Hosting.Tests.TestSupport;

namespace Pipelines.Hosting.Tests;

/// <summary>A failing pipeline is surfaced to the host: logged, the application stopped with an exit code, health unhealthy.</summary>
public sealed class FailureTests : IDisposable
{
    private readonly int _exitCodeBefore = Environment.ExitCode;

    public void Dispose() => Environment.ExitCode = _exitCodeBefore;

    private static void DefineThrowingOn13(PipelineBuilder p, ChannelReader<Ev> input) =>
        p.From(Sources.Channel(input))
         .Select(e => e.Value == 13 ? throw new InvalidOperationException("unlucky element") : e)
         .To(Sinks.Action<Ev>(_ => { }));

    [Fact]
    public async Task RunFails_StopsTheHost_SetsExitCode_AndReportsUnhealthy()
    {
        var logs = new ListLoggerProvider();
        var input = Channel.CreateUnbounded<Ev>();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddPipeline("orders", (p, _) => DefineThrowingOn13(p, input.Reader), options => options.FailureExitCode = 3);
        builder.Services.AddHealthChecks().AddPipelineHealthCheck("orders");
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("orders");

        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1, 12));
        await input.Writer.WriteAsync(Ev.At("a", 2, 13));
        await host.WaitForShutdownAsync().WaitAsync(TestHost.HangGuard);

        status.State.Should().Be(PipelineState.Failed);
        status.Error.Should().BeOfType<PipelineExecutionException>().Which.InnerException.Should().BeOfType<InvalidOperationException>();
        Environment.ExitCode.Should().Be(3);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Status.Should().Be(HealthStatus.Unhealthy);
        report.Entries["pipeline:orders"].Description.Should().Contain("failed").And.Contain("unlucky element");
        report.Entries["pipeline:orders"].Exception.Should().BeSameAs(status.Error);
        logs.Entries.Should().Contain(e => e.Category == "Pipelines.Hosting" && e.Level == LogLevel.Critical && e.Message.Contains("exit code 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SinkFailsWhileDraining_PipelineFailed_ExitCodeSet()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("flaky", (p, _) => HourlyCounts.Define(p, input.Reader, Sinks.Action<WindowResult<string, long>>(_ => throw new IOException("disk full"))));
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("flaky");
        Environment.ExitCode = 0;
        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1));
        await TestHost.Eventually(() => status.ElementsRead == 1, "the element is read");

        await host.StopAsync().WaitAsync(TestHost.HangGuard);

        status.State.Should().Be(PipelineState.Failed, "the window flushed by the drain could not be written");
        status.Error!.ToString().Should().Contain("disk full");
        Environment.ExitCode.Should().Be(1);
    }

    [Fact]
    public async Task RunFails_StopHostOnFailureOff_HostKeepsRunning_HealthStillUnhealthy()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("orders", (p, _) => DefineThrowingOn13(p, input.Reader), options => options.StopHostOnFailure = false);
        builder.Services.AddHealthChecks().AddPipelineHealthCheck("orders", failureStatus: HealthStatus.Degraded);
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("orders");
        Environment.ExitCode = 0;

        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1, 13));
        await TestHost.Eventually(() => status.State == PipelineState.Failed, "the run has failed");

        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeFalse();
        Environment.ExitCode.Should().Be(0);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Entries["pipeline:orders"].Status.Should().Be(HealthStatus.Degraded, "the registration's failure status is used");
        await host.StopAsync().WaitAsync(TestHost.HangGuard);
        status.State.Should().Be(PipelineState.Failed, "a failed pipeline stays failed when the host stops");
    }

    [Fact]
    public async Task AThrowingStateChangedHandler_IsLogged_AndTheFailureStillStopsTheHostWithItsExitCode()
    {
        var logs = new ListLoggerProvider();
        var input = Channel.CreateUnbounded<Ev>();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddPipeline("orders", (p, _) => DefineThrowingOn13(p, input.Reader), options => options.FailureExitCode = 5);
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("orders");
        var seen = new List<PipelineState>();
        status.StateChanged += (_, _) => throw new ObjectDisposedException("gauge");
        status.StateChanged += (_, e) => seen.Add(e.Current);
        Environment.ExitCode = 0;

        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1, 13));
        await host.WaitForShutdownAsync().WaitAsync(TestHost.HangGuard);

        status.State.Should().Be(PipelineState.Failed);
        Environment.ExitCode.Should().Be(5, "the failure stops the host with its exit code, whatever a handler does");
        seen.Should().Equal([PipelineState.Running, PipelineState.Failed], "the other handlers still run");
        logs.Entries.Where(e => e.Category == "Pipelines.Hosting" && e.Level == LogLevel.Error && e.Message.Contains("StateChanged handler", StringComparison.Ordinal))
            .Should().HaveCount(2, "each throw is logged: Starting to Running, Running to Failed");
    }

    [Fact]
    public async Task AThrowingStateChangedHandler_DoesNotKeepTheHostFromDraining()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var results = new List<WindowResult<string, long>>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("sensors", (p, _) => HourlyCounts.Define(p, input.Reader, Sinks.Collection(results)));
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("sensors");
        status.StateChanged += (_, e) =>
        {
            if (e.Current == PipelineState.Draining) throw new InvalidOperationException("metrics exporter gone");
        };

        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1));
        await TestHost.Eventually(() => status.ElementsRead == 1, "the element is read");
        await host.StopAsync().WaitAsync(TestHost.HangGuard);

        status.State.Should().Be(PipelineState.Stopped);
        results.Should().ContainSingle(r => r.Key == "a" && r.Value == 1, "the open window was drained to the sink");
    }

    [Fact]
    public async Task DefinitionThrows_HostDoesNotStart_StatusFailed()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("broken", (p, _) => p.From(Sources.Enumerable(new[] { 1 })).Select(i => i + 1), o => o.FailureExitCode = 4); // no sink
        using var host = builder.Build();

        var start = async () => await host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Pipeline 'broken' could not be started: The pipeline has no sink*");
        Environment.ExitCode.Should().Be(4, "a Main that catches the start's error exits with the pipeline's failure code");
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("broken");
        status.State.Should().Be(PipelineState.Failed);
        status.Error.Should().BeOfType<InvalidOperationException>();
    }

    [Fact]
    public async Task DefinitionThrows_StopHostOnFailureOff_HostRuns_PipelineFailed()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("broken", (_, _) => throw new InvalidOperationException("no configuration"), options => options.StopHostOnFailure = false);
        builder.Services.AddHealthChecks().AddPipelineHealthCheck("broken");
        using var host = builder.Build();

        await host.StartAsync();

        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("broken");
        status.State.Should().Be(PipelineState.Failed);
        status.Error!.Message.Should().Be("Pipeline 'broken' could not be started: no configuration");
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Status.Should().Be(HealthStatus.Unhealthy);
        await host.StopAsync().WaitAsync(TestHost.HangGuard);
    }

    [Fact]
    public async Task InvalidStreamingOptions_FailTheStart()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline(
            "bad-options",
            (p, _) => p.From(Sources.Enumerable(new[] { 1 })).To(Sinks.Action<int>(_ => { })),
            options => options.Streaming = new StreamingOptions { Parallelism = 0 });
        using var host = builder.Build();

        var start = async () => await host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithInnerException<ArgumentOutOfRangeException>();
    }
}
