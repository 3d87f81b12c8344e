using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipelines.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks for pipelines added with <c>AddPipeline</c>.</summary>
public static class PipelineHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check that reports the state of the hosted pipeline <paramref name="pipelineName"/>:
    /// healthy while running; degraded while starting, draining or stopped; <paramref name="failureStatus"/>
    /// (default unhealthy) with the error once it has failed. Its data holds the state and the elements read
    /// and dropped as late.
    /// </summary>
    /// <param name="builder">The health checks builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="pipelineName">The name given to <c>AddPipeline</c>.</param>
    /// <param name="name">The health check's name (default <c>pipeline:</c> followed by the pipeline's name).</param>
    /// <param name="failureStatus">The status reported when the pipeline has failed (default <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags to filter health checks by, e.g. "ready" or "live".</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHealthChecksBuilder AddPipelineHealthCheck(
        this IHealthChecksBuilder builder,
        string pipelineName,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(pipelineName);
        return builder.Add(new HealthCheckRegistration(
            name ?? $"pipeline:{pipelineName}",
            provider => new PipelineHealthCheck(provider.GetService<PipelineStatusRegistry>(), pipelineName),
            failureStatus,
            tags));
    }
}
