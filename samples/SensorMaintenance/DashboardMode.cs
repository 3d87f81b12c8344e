using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines;
using Pipelines.Hosting;
using Spectre.Console;

namespace SensorMaintenance;

/// <summary>
/// The hosted pipeline in a web application with the Pipelines dashboard: the job graph, rates, backpressure,
/// watermarks and charts at http://localhost:5000/pipelines while the shift plays (slower than in the other
/// modes, so there is time to watch). The application keeps serving the finished run until Ctrl+C.
/// </summary>
public static class DashboardMode
{
    public const string Url = "http://localhost:5000";

    /// <summary>One simulated minute per 250 ms: the eight-hour shift in two minutes.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(250);

    public static async Task<int> RunAsync(string[] args)
    {
        var feed = new SensorFeed(pace: Pace);
        DirectMode.Header(feed, "hosted in a web application with the dashboard");

        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.UseUrls(Url);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddSingleton(feed);
        builder.Services.AddSingleton<MaintenanceBoard>();
        builder.Services.AddSingleton(Channel.CreateUnbounded<SensorReading>());
        builder.Services.AddPipeline(
            SensorPipeline.Name,
            (p, services) => SensorPipeline.Define(p, Sources.Channel(services.GetRequiredService<Channel<SensorReading>>().Reader, "sensors"), services.GetRequiredService<MaintenanceBoard>()),
            options => options.Streaming = new StreamingOptions { Parallelism = 2 });
        builder.Services.AddHostedService<FeedWriter>();
        builder.Services.AddHealthChecks().AddPipelineHealthCheck(SensorPipeline.Name);

        await using var app = builder.Build();
        // Open here because this sample runs in development on localhost. Anywhere else require authorization:
        // app.MapPipelinesDashboard("/pipelines").RequireAuthorization("ops");
        app.MapPipelinesDashboard("/pipelines");
        app.MapHealthChecks("/health");

        await app.StartAsync();
        AnsiConsole.MarkupLine($"Dashboard: [link]{Url}/pipelines[/] (health: {Url}/health). The shift plays for about two minutes; Ctrl+C to stop.");
        await app.WaitForShutdownAsync();

        var status = app.Services.GetRequiredKeyedService<PipelineStatus>(SensorPipeline.Name);
        AnsiConsole.MarkupLine($"Pipeline [bold]{status.Name}[/]: {status.State}, read {status.ElementsRead:N0} readings, {status.LateElementsDropped} late.");
        if (!feed.Played)
        {
            AnsiConsole.MarkupLine("Stopped before the end of the shift: the pipeline drained what it had read; no check of the results.");
            return Environment.ExitCode;
        }

        int result = DirectMode.Finish(app.Services.GetRequiredService<MaintenanceBoard>(), feed);
        return Environment.ExitCode != 0 ? Environment.ExitCode : result;
    }
}
