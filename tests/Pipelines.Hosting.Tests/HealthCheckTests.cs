using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipelines.Hosting.Tests.TestSupport;

namespace Pipelines.Hosting.Tests;

/// <summary>The health of a hosted pipeline follows its state: Starting, Running, Draining, Stopped.</summary>
public class HealthCheckTests
{
    [Fact]
    public async Task StateAndHealth_FollowTheRun_FromStartingToStopped()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = new ConcurrentQueue<WindowResult<string, long>>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("sensors", (p, _) => HourlyCounts.Define(p, input.Reader, Sinks.Action<WindowResult<string, long>>(async (r, ct) =>
        {
            await gate.Task.WaitAsync(ct); // holds the drain open until the test has looked
            results.Enqueue(r);
        })));
        builder.Services.AddHealthChecks().AddPipelineHealthCheck("sensors", tags: ["ready"]);
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("sensors");
        var changes = new ConcurrentQueue<(PipelineState From, PipelineState To)>();
        status.StateChanged += (sender, e) =>
        {
            sender.Should().BeSameAs(status);
            changes.Enqueue((e.Previous, e.Current));
        };

        (await Check(health)).Should().Be((HealthStatus.Degraded, "Starting"));

        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1));
        await TestHost.Eventually(() => status.ElementsRead == 1, "the element is read");
        (await Check(health)).Should().Be((HealthStatus.Healthy, "Running"));

        var stopping = host.StopAsync();
        await TestHost.Eventually(() => status.State == PipelineState.Draining, "the host is stopping");
        (await Check(health)).Should().Be((HealthStatus.Degraded, "Draining"));
        stopping.IsCompleted.Should().BeFalse("the sink still holds the drain");

        gate.SetResult();
        await stopping.WaitAsync(TestHost.HangGuard);
        (await Check(health)).Should().Be((HealthStatus.Degraded, "Stopped"));
        results.Should().ContainSingle(r => r.Key == "a" && r.Value == 1 && r.Timing == PaneTiming.OnTime);
        changes.Should().Equal(
            (PipelineState.Starting, PipelineState.Running),
            (PipelineState.Running, PipelineState.Draining),
            (PipelineState.Draining, PipelineState.Stopped));
    }

    [Fact]
    public async Task HealthCheck_ForUnknownPipeline_ReportsWhatToAdd()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("known", (p, _) => p.From(Sources.Enumerable(new[] { 1 })).To(Sinks.Action<int>(_ => { })));
        builder.Services.AddHealthChecks().AddPipelineHealthCheck("unknown", name: "mine");
        using var host = builder.Build();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Entries["mine"].Status.Should().Be(HealthStatus.Unhealthy);
        report.Entries["mine"].Description.Should().StartWith("No pipeline named 'unknown' is registered");
    }

    [Fact]
    public async Task HealthData_HoldsStateAndCounters()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("counted", (p, _) => p.From(Sources.Enumerable(Enumerable.Range(0, 50))).To(Sinks.Action<int>(_ => { })));
        builder.Services.AddHealthChecks().AddPipelineHealthCheck("counted");
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("counted");

        await host.StartAsync();
        await TestHost.Eventually(() => status.State == PipelineState.Stopped, "the run has ended");
        var entry = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pipeline:counted"];

        entry.Data["state"].Should().Be("Stopped");
        entry.Data["elementsRead"].Should().Be(50L);
        entry.Data["lateElementsDropped"].Should().Be(0L);
        entry.Data["checkpointsCompleted"].Should().Be(0L);
        await host.StopAsync().WaitAsync(TestHost.HangGuard);
    }

    private static async Task<(HealthStatus Status, string State)> Check(HealthCheckService health)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains("ready"));
        var entry = report.Entries["pipeline:sensors"];
        return (entry.Status, (string)entry.Data["state"]);
    }
}
