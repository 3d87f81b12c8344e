using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Hosting.Tests.TestSupport;

namespace Pipelines.Hosting.Tests;

/// <summary>A pipeline added with AddPipeline runs under a real host: it starts with it, results flow, and it drains when the host stops.</summary>
public class HostedPipelineTests
{
    private sealed class Store
    {
        public ConcurrentQueue<Ev> Items { get; } = new();
    }

    [Fact]
    public async Task AddPipeline_HostStarts_ResultsFlowToSinkFromServices()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton<Store>();
        PipelineBuilder? given = null;
        builder.Services.AddPipeline("doubler", (p, services) =>
        {
            given = p;
            p.From(Sources.Channel(input.Reader))
             .Select(e => e with { Value = e.Value * 2 })
             .To(Sinks.Action<Ev>(services.GetRequiredService<Store>().Items.Enqueue));
        });
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<Store>();
        var status = host.Services.GetRequiredService<PipelineStatusRegistry>()["doubler"];
        status.State.Should().Be(PipelineState.Starting);

        await host.StartAsync();
        given!.Name.Should().Be("doubler");
        status.State.Should().Be(PipelineState.Running);
        for (int i = 1; i <= 3; i++) await input.Writer.WriteAsync(Ev.At("a", i, i));
        await TestHost.Eventually(() => store.Items.Count == 3, "three results arrive");
        store.Items.Select(e => e.Value).Should().Equal(2, 4, 6);
        status.ElementsRead.Should().Be(3);

        await host.StopAsync().WaitAsync(TestHost.HangGuard);
        status.State.Should().Be(PipelineState.Stopped);
        status.Summary!.ElementsRead.Should().Be(3);
    }

    [Fact]
    public async Task StopAsync_DrainsOpenWindowsToTheSinks()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var results = new ConcurrentQueue<WindowResult<string, long>>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("counts", (p, _) => HourlyCounts.Define(p, input.Reader, Sinks.Action<WindowResult<string, long>>(results.Enqueue)));
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("counts");
        await host.StartAsync();

        foreach (var e in new[] { Ev.At("a", 1), Ev.At("b", 2), Ev.At("a", 3), Ev.At("a", 4), Ev.At("b", 5) }) await input.Writer.WriteAsync(e);
        await TestHost.Eventually(() => status.ElementsRead == 5, "the pipeline has read every element");
        results.Should().BeEmpty("the hour's windows are still open: the watermark is far behind their end");

        await host.StopAsync().WaitAsync(TestHost.HangGuard);

        results.Select(r => (r.Key, r.Value, r.Timing)).Should().BeEquivalentTo(new[] { ("a", 3L, PaneTiming.OnTime), ("b", 2L, PaneTiming.OnTime) });
        results.Should().OnlyContain(r => r.Window.Start == Ev.T0 && r.Window.End == Ev.T0.AddHours(1));
        status.State.Should().Be(PipelineState.Stopped);
        status.Summary!.ResultsWritten.Should().Be(2);
        input.Writer.TryComplete();
    }

    [Fact]
    public async Task RunAsync_ApplicationStopped_LikeCtrlC_DrainsOpenWindowsBeforeReturning()
    {
        var input = Channel.CreateUnbounded<Ev>();
        var results = new ConcurrentQueue<WindowResult<string, int>>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("sums", (p, _) =>
            p.From(Sources.Channel(input.Reader))
             .WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
             .KeyBy(e => e.Key)
             .Window(Windows.Session(TimeSpan.FromMinutes(30)))
             .Sum(e => e.Value)
             .To(Sinks.Action<WindowResult<string, int>>(results.Enqueue)));
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("sums");

        var running = host.RunAsync();
        await TestHost.Eventually(() => status.State == PipelineState.Running, "the pipeline has started");
        foreach (var e in new[] { Ev.At("a", 1, 5), Ev.At("a", 60, 7), Ev.At("b", 2, 1) }) await input.Writer.WriteAsync(e);
        await TestHost.Eventually(() => status.ElementsRead == 3, "the pipeline has read every element");
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await running.WaitAsync(TestHost.HangGuard);

        results.Select(r => (r.Key, r.Value)).Should().BeEquivalentTo(new[] { ("a", 12), ("b", 1) });
        status.State.Should().Be(PipelineState.Stopped);
    }

    [Fact]
    public async Task StopHostWhenCompleted_SourcesEnd_HostStopsItselfWithTheSummary()
    {
        var results = new ConcurrentQueue<int>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline(
            "batch",
            (p, _) => p.From(Sources.Enumerable(Enumerable.Range(1, 1000))).Where(i => i % 10 == 0).To(Sinks.Action<int>(results.Enqueue)),
            options => options.StopHostWhenCompleted = true);
        using var host = builder.Build();

        await host.StartAsync();
        await host.WaitForShutdownAsync().WaitAsync(TestHost.HangGuard);

        results.Should().HaveCount(100);
        var status = host.Services.GetRequiredService<PipelineStatusRegistry>()["batch"];
        status.State.Should().Be(PipelineState.Stopped);
        status.Summary!.ElementsRead.Should().Be(1000);
    }

    [Fact]
    public async Task CompletedPipeline_WithoutStopHostWhenCompleted_HostKeepsRunning()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("batch", (p, _) => p.From(Sources.Enumerable(new[] { 1, 2, 3 })).To(Sinks.Action<int>(_ => { })));
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("batch");

        await host.StartAsync();
        await TestHost.Eventually(() => status.State == PipelineState.Stopped, "the bounded source has ended");

        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeFalse();
        await host.StopAsync().WaitAsync(TestHost.HangGuard);
    }

    [Fact]
    public async Task OptionsFromConfigure_NamedByPipeline_AreUsed()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("first", (p, _) => p.From(Sources.Enumerable(new[] { 1 })).To(Sinks.Action<int>(_ => { })));
        builder.Services.Configure<PipelineHostOptions>("first", options => options.StopHostWhenCompleted = true);
        using var host = builder.Build();

        await host.StartAsync();
        await host.WaitForShutdownAsync().WaitAsync(TestHost.HangGuard);

        host.Services.GetRequiredKeyedService<PipelineStatus>("first").State.Should().Be(PipelineState.Stopped);
    }

    [Fact]
    public async Task TwoPipelines_BothRun_EachWithItsOwnStatus()
    {
        var left = new ConcurrentQueue<int>();
        var right = new ConcurrentQueue<int>();
        var builder = TestHost.CreateBuilder();
        builder.Services.AddPipeline("left", (p, _) => p.From(Sources.Enumerable(new[] { 1, 2 })).To(Sinks.Action<int>(left.Enqueue)));
        builder.Services.AddPipeline("right", (p, _) => p.From(Sources.Enumerable(new[] { 3, 4, 5 })).To(Sinks.Action<int>(right.Enqueue)));
        using var host = builder.Build();
        var registry = host.Services.GetRequiredService<PipelineStatusRegistry>();

        await host.StartAsync();
        await TestHost.Eventually(() => registry.All(s => s.State == PipelineState.Stopped), "both pipelines have ended");

        registry.Select(s => s.Name).Should().Equal("left", "right");
        registry["left"].Summary!.ElementsRead.Should().Be(2);
        registry["right"].Summary!.ElementsRead.Should().Be(3);
        left.Should().Equal(1, 2);
        right.Should().Equal(3, 4, 5);
        host.Services.GetRequiredKeyedService<PipelineStatus>("right").Should().BeSameAs(registry["right"]);
        await host.StopAsync().WaitAsync(TestHost.HangGuard);
    }

    [Fact]
    public async Task LoggerFactoryFromServices_ReceivesTheRunsMessages()
    {
        var logs = new ListLoggerProvider();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddPipeline("logged", (p, _) => p.From(Sources.Enumerable(new[] { 1 })).To(Sinks.Action<int>(_ => { })));
        using var host = builder.Build();

        await host.StartAsync();
        await TestHost.Eventually(() => host.Services.GetRequiredKeyedService<PipelineStatus>("logged").State == PipelineState.Stopped, "the run has ended");
        await host.StopAsync().WaitAsync(TestHost.HangGuard);

        logs.Entries.Should().Contain(e => e.Category == "Pipelines" && e.Message == "Pipeline logged started on the streaming executor");
        logs.Entries.Should().Contain(e => e.Category == "Pipelines.Hosting" && e.Message.Contains("ended: all its sources completed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TimeProviderFromServices_DrivesProcessingTimeTriggers()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var input = Channel.CreateUnbounded<Ev>();
        var results = new ConcurrentQueue<(WindowResult<string, long> Pane, DateTimeOffset Clock)>();
        int keyed = 0;
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddPipeline(
            "early",
            (p, _) => p.From(Sources.Channel(input.Reader))
                       .KeyBy(e =>
                       {
                           // Called by the window's worker as it adds the element (one worker: no routing by key).
                           Interlocked.Increment(ref keyed);
                           return e.Key;
                       })
                       .Window(Windows.Global())
                       .EarlyResults(TimeSpan.FromMinutes(1))
                       .Count()
                       .To(Sinks.Action<WindowResult<string, long>>(r => results.Enqueue((r, clock.GetUtcNow())))),
            options => options.Streaming = new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan });
        using var host = builder.Build();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>("early");
        await host.StartAsync();

        for (int i = 0; i < 3; i++) await input.Writer.WriteAsync(Ev.At("a", i));
        await TestHost.Eventually(() => status.ElementsRead == 3, "the pipeline has read every element");

        // Reading is not enough: the clock's tick must find the elements in the window, not overtake them on the way.
        await TestHost.Eventually(() => Volatile.Read(ref keyed) >= 3, "the window has every element");

        // The registered clock moves only here, so a pane seen with it still at the start came without processing time.
        clock.Advance(TimeSpan.FromMinutes(1));
        await TestHost.Eventually(() => !results.IsEmpty, "the early pane fires");
        var (pane, seenAt) = results.Single();
        pane.Should().Match<WindowResult<string, long>>(r => r.Key == "a" && r.Value == 3 && r.Timing == PaneTiming.Early);
        seenAt.Should().Be(Ev.T0.AddMinutes(1), "the early pane needs a minute of the registered clock");
        input.Writer.Complete();
        await host.StopAsync().WaitAsync(TestHost.HangGuard);
    }
}
