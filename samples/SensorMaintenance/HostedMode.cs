using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines;
using Pipelines.Hosting;
using Spectre.Console;

namespace SensorMaintenance;

/// <summary>
/// The same pipeline as a hosted service (Pipelines.Hosting): <c>AddPipeline</c> starts it with the host,
/// a health check reports it, and the host stops when the feed ends (<c>StopHostWhenCompleted</c>).
/// </summary>
public static class HostedMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var feed = new SensorFeed();
        DirectMode.Header(feed, "hosted: services.AddPipeline under Host.CreateApplicationBuilder");

        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Error); // the report is printed below
        builder.Services.AddSingleton(feed);
        builder.Services.AddSingleton<MaintenanceBoard>();
        builder.Services.AddSingleton(Channel.CreateUnbounded<SensorReading>());
        builder.Services.AddPipeline(
            SensorPipeline.Name,
            (p, services) => SensorPipeline.Define(p, Sources.Channel(services.GetRequiredService<Channel<SensorReading>>().Reader, "sensors"), services.GetRequiredService<MaintenanceBoard>()),
            options =>
            {
                options.Streaming = new StreamingOptions { Parallelism = 2 };
                options.StopHostWhenCompleted = true; // the shift's feed ends, so the application does too
            });
        builder.Services.AddHostedService<FeedWriter>();
        builder.Services.AddHealthChecks().AddPipelineHealthCheck(SensorPipeline.Name);

        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var status = host.Services.GetRequiredKeyedService<PipelineStatus>(SensorPipeline.Name);
        await host.StartAsync();
        await PrintHealthAsync(health, "while running");
        await host.WaitForShutdownAsync();

        await PrintHealthAsync(health, "after the host stopped");
        AnsiConsole.MarkupLine($"Pipeline [bold]{status.Name}[/]: {status.State}, read {status.ElementsRead:N0} readings, {status.LateElementsDropped} late.");
        int result = DirectMode.Finish(host.Services.GetRequiredService<MaintenanceBoard>(), feed);
        return Environment.ExitCode != 0 ? Environment.ExitCode : result;
    }

    private static async Task PrintHealthAsync(HealthCheckService health, string when)
    {
        var report = await health.CheckHealthAsync();
        foreach (var (name, entry) in report.Entries)
        {
            string color = entry.Status switch { HealthStatus.Healthy => "green", HealthStatus.Degraded => "yellow", _ => "red" };
            AnsiConsole.MarkupLine($"Health {when}: [bold]{Markup.Escape(name)}[/] [{color}]{entry.Status}[/] ({Markup.Escape(entry.Description ?? "")})");
        }
    }
}
