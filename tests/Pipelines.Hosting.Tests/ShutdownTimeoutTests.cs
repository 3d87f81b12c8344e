using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipelines.Hosting.Tests.TestSupport;

namespace Pipelines.Hosting.Tests;

/// <summary>A drain that cannot finish is bounded by the host's shutdown timeout (or the pipeline's drain timeout), then the run is stopped without draining.</summary>
public class ShutdownTimeoutTests
{
    private static void DefineStuckSink(PipelineBuilder p, ChannelReader<Ev> input) =>
        p.From(Sources.Channel(input))
         .To(Sinks.Action<Ev>(async (_, ct) => await Task.Delay(Timeout.Infinite, ct)));

    [Fact]
    public async Task StuckSink_DrainBoundedByHostShutdownTimeout_ThenStoppedWithoutDraining()
    {
        var logs = new ListLoggerProvider();
        var input = Channel.CreateUnbounded<Ev>();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        builder.Services.AddPipeline("stuck", (p, _) => DefineStuckSink(p, input.Reader));
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("stuck");
        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1));
        await TestHost.Eventually(() => status.ElementsRead == 1, "the element is read");

        var clock = Stopwatch.StartNew();
        await host.StopAsync().WaitAsync(TestHost.HangGuard);

        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)).And.BeLessThan(TimeSpan.FromSeconds(5));
        status.State.Should().Be(PipelineState.Stopped);
        status.Summary.Should().BeNull("the run was stopped without draining, so it has no summary");
        logs.Entries.Should().Contain(e => e.Category == "Pipelines.Hosting" && e.Message.Contains("did not drain in time", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StuckSink_DrainTimeoutOption_IsShorterThanTheHosts()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("stuck", (p, _) => DefineStuckSink(p, input.Reader), options => options.DrainTimeout = TimeSpan.FromMilliseconds(100));
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("stuck");
        await host.StartAsync();
        await input.Writer.WriteAsync(Ev.At("a", 1));
        await TestHost.Eventually(() => status.ElementsRead == 1, "the element is read");

        var clock = Stopwatch.StartNew();
        await host.StopAsync().WaitAsync(TestHost.HangGuard);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the host's own shutdown timeout is 30 s");
        status.State.Should().Be(PipelineState.Stopped);
    }
}
