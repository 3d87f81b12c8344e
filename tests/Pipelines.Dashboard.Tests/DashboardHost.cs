using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipelines.Diagnostics;

namespace Pipelines.Dashboard.Tests;

/// <summary>An application with the dashboard mapped, on ASP.NET Core's in-memory server or on Kestrel, and helpers shared by the tests.</summary>
internal static class DashboardHost
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<WebApplication> StartAsync(bool kestrel = false, Action<WebApplicationBuilder>? configureServices = null, Action<WebApplication, IEndpointConventionBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        if (kestrel) builder.WebHost.UseUrls("http://127.0.0.1:0");
        else builder.WebHost.UseTestServer();
        configureServices?.Invoke(builder);
        var app = builder.Build();
        var dashboard = app.MapPipelinesDashboard("/pipelines");
        configure?.Invoke(app, dashboard);
        await app.StartAsync();
        return app;
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>The run of <paramref name="pipeline"/> once it is listed (a streaming run is listed as its tasks start).</summary>
    public static async Task<MonitoredRun> RunNamedAsync(string pipeline) =>
        await UntilAsync(() => PipelineMonitor.Runs.SingleOrDefault(r => r.Pipeline == pipeline), r => r is not null, $"pipeline {pipeline} listed") ?? throw new InvalidOperationException();

    /// <summary>Waits until <paramref name="condition"/> holds for what <paramref name="read"/> returns: something that must happen, within <see cref="Patience"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<T> read, Func<T, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var value = read();
            if (condition(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {Patience} for {what}.");
            await Task.Delay(10);
        }
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
