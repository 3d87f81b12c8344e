using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Pipelines;
using Pipelines.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds streaming pipelines to a host's services, each run as a hosted service.</summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Adds a streaming pipeline that starts with the host and drains when it stops. When the host starts,
    /// <paramref name="define"/> receives a <see cref="PipelineBuilder"/> named <paramref name="name"/> and the
    /// service provider, and adds the sources, operators and sinks (without calling <c>Build</c>); the pipeline
    /// then runs on the <see cref="StreamingExecutor"/>. On shutdown the sources stop reading and open windows
    /// are flushed to the sinks, within <see cref="PipelineHostOptions.DrainTimeout"/> or the host's shutdown
    /// timeout, after which the run is stopped without draining. A failure stops the application (see
    /// <see cref="PipelineHostOptions.StopHostOnFailure"/>). The pipeline's <see cref="PipelineStatus"/> is a
    /// keyed singleton under <paramref name="name"/> and is listed in <see cref="PipelineStatusRegistry"/>; add a
    /// health check for it with <c>AddHealthChecks().AddPipelineHealthCheck(name)</c>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The pipeline's name: unique among hosted pipelines; the <c>pipeline</c> tag of its metrics, traces and logs.</param>
    /// <param name="define">Adds sources, operators and sinks to the builder; services are resolved from the provider.</param>
    /// <param name="configure">Sets the options of this pipeline; see <see cref="PipelineHostOptions"/>.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentException">A pipeline with this name is already added.</exception>
    public static IServiceCollection AddPipeline(
        this IServiceCollection services,
        string name,
        Action<PipelineBuilder, IServiceProvider> define,
        Action<PipelineHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(define);

        var status = Registry(services).Add(name);
        services.AddKeyedSingleton(name, status);
        var options = services.AddOptions<PipelineHostOptions>(name);
        if (configure is not null) options.Configure(configure);

        // Not AddHostedService: it de-duplicates factory registrations by type, which would keep only the first pipeline.
        services.AddSingleton<IHostedService>(provider => new PipelineHostedService(name, define, provider));
        return services;
    }

    private static PipelineStatusRegistry Registry(IServiceCollection services)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(PipelineStatusRegistry) && !d.IsKeyedService);
        if (existing?.ImplementationInstance is PipelineStatusRegistry registry) return registry;

        registry = new PipelineStatusRegistry();
        services.TryAddSingleton(registry);
        return registry;
    }
}
