using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Dashboard;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Pipelines dashboard into an ASP.NET Core application.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves a live, read-only dashboard of every pipeline run in this process (<see cref="Pipelines.Diagnostics.PipelineMonitor"/>)
    /// under <paramref name="pattern"/>: the page at <c>{pattern}/</c>, its JSON API at <c>{pattern}/api/runs</c> and
    /// <c>{pattern}/api/runs/{id}</c>. A sampler takes every run's counters once a second and keeps the last
    /// five minutes in memory for the charts.
    /// </summary>
    /// <param name="endpoints">The application (<c>WebApplication</c>) or another endpoint route builder.</param>
    /// <param name="pattern">A literal path such as <c>/pipelines</c>.</param>
    /// <returns>
    /// The endpoints' convention builder: outside development require authorization, e.g.
    /// <c>app.MapPipelinesDashboard("/pipelines").RequireAuthorization("ops")</c>, since the page shows pipeline
    /// names, operator names and error messages.
    /// </returns>
    public static IEndpointConventionBuilder MapPipelinesDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/pipelines")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        if (pattern.Contains('{', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The dashboard's pattern must be a literal path such as \"/pipelines\", not \"{pattern}\".", nameof(pattern));
        }

        string prefix = "/" + pattern.Trim('/');
        var services = endpoints.ServiceProvider;
        var sampler = new DashboardSampler(services.GetService<TimeProvider>() ?? TimeProvider.System, services.GetService<ILoggerFactory>()?.CreateLogger("Pipelines.Dashboard"));
        services.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(sampler.Dispose);
        var api = new DashboardApi(sampler);

        var group = endpoints.MapGroup(prefix);
        group.MapGet("/", (HttpContext context) => DashboardAssets.Page(context)).ExcludeFromDescription();
        group.MapGet("/assets/{name}", (string name) => DashboardAssets.File(name)).ExcludeFromDescription();
        group.MapGet("/api/runs", api.Runs).ExcludeFromDescription();
        group.MapGet("/api/runs/{id:long}", api.Run).ExcludeFromDescription();
        return group;
    }
}
